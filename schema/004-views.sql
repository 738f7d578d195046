-- 004: views for operators who query the database with sqlite3. They store nothing: each sums
-- the counters of 001 (all sources together unless the view says otherwise) the way
-- `tlsrpt stats` shows them. Days and hours are UTC. See schema/README.md for examples.

-- Sessions per day, policy domain and policy type (= `tlsrpt stats`).
CREATE VIEW daily_domain_summary AS
SELECT date(s.hour, 'unixepoch') AS day,
       s.report_domain AS policy_domain,
       p.policy_type AS policy_type,
       sum(s.successful) AS successful,
       sum(s.failed) AS failed,
       round(1.0 * sum(s.failed) / max(sum(s.successful) + sum(s.failed), 1), 4) AS failure_rate
FROM session_counts s JOIN policies p ON p.id = s.policy_id
GROUP BY 1, 2, 3;

-- Sessions per hour, every domain together (= `tlsrpt stats --by hour`).
CREATE VIEW hourly_summary AS
SELECT strftime('%Y-%m-%dT%H:00:00Z', s.hour, 'unixepoch') AS hour,
       sum(s.successful) AS successful,
       sum(s.failed) AS failed,
       round(1.0 * sum(s.failed) / max(sum(s.successful) + sum(s.failed), 1), 4) AS failure_rate
FROM session_counts s
GROUP BY s.hour;

-- Failure-detail counts per day, policy domain, policy type and result type.
CREATE VIEW failures_by_type AS
SELECT date(f.hour, 'unixepoch') AS day,
       f.report_domain AS policy_domain,
       p.policy_type AS policy_type,
       d.result_type AS result_type,
       sum(f.count) AS count
FROM failure_counts f
JOIN policies p ON p.id = f.policy_id
JOIN failure_details d ON d.id = f.detail_id
GROUP BY 1, 2, 3, 4;

-- Failure-detail counts per day and receiving MX host ('' when the MTA did not say).
CREATE VIEW failures_by_mx AS
SELECT date(f.hour, 'unixepoch') AS day,
       d.receiving_mx_hostname AS receiving_mx_hostname,
       f.report_domain AS policy_domain,
       d.result_type AS result_type,
       sum(f.count) AS count
FROM failure_counts f JOIN failure_details d ON d.id = f.detail_id
GROUP BY 1, 2, 3, 4;

-- Every failure detail with its fields, per day and policy: what a report will list.
CREATE VIEW failure_details_by_day AS
SELECT date(f.hour, 'unixepoch') AS day,
       f.report_domain AS policy_domain,
       p.policy_type AS policy_type,
       d.result_type AS result_type,
       d.sending_mta_ip AS sending_mta_ip,
       d.receiving_mx_hostname AS receiving_mx_hostname,
       d.receiving_mx_helo AS receiving_mx_helo,
       d.receiving_ip AS receiving_ip,
       d.additional_information AS additional_information,
       d.failure_reason_code AS failure_reason_code,
       sum(f.count) AS count
FROM failure_counts f
JOIN policies p ON p.id = f.policy_id
JOIN failure_details d ON d.id = f.detail_id
GROUP BY f.hour / 86400, f.report_domain, f.policy_id, f.detail_id;

-- Sessions per day and source: '' is this host's collector, other names are imported hosts.
CREATE VIEW daily_source_summary AS
SELECT date(s.hour, 'unixepoch') AS day,
       s.source AS source,
       sum(s.successful) AS successful,
       sum(s.failed) AS failed
FROM session_counts s
GROUP BY 1, 2;

-- What the collector received per day: 'accepted' or the rejection reason.
CREATE VIEW daily_datagrams AS
SELECT date(hour, 'unixepoch') AS day, outcome, sum(count) AS count
FROM datagram_counts
GROUP BY 1, 2;

-- The reports that count: the newest generation of each day and policy domain.
CREATE VIEW current_reports AS
SELECT day, policy_domain, report_id, generation, filename, length(gzip) AS gzip_bytes,
       successful, failed, created_at
FROM reports
WHERE superseded = 0;

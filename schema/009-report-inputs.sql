-- 009: what each report was built from (issue 12 item 6), so that `aggregate` can tell which
-- reports are older than their counters (late imports, `tlsrpt record`, sessions the collector
-- wrote after the run) and `aggregate --changed` rebuilds only those.
-- `input_digest`: a 64-bit digest (aggregator/report_digest.c) of the counters the report
-- summarised: its policies of reported types with their session counts and failure-detail
-- counts, summed over hours, records and sources. NULL for reports built before 009; those are
-- compared by their session totals (`successful`, `failed`) instead.
ALTER TABLE reports ADD COLUMN input_digest INTEGER;
-- The current reports of a day with what they were built from, read from the index alone (the
-- rows themselves carry the report's JSON and gzip bytes).
DROP INDEX reports_current;
CREATE INDEX reports_current ON reports (day, policy_domain, input_digest, successful, failed)
    WHERE superseded = 0;

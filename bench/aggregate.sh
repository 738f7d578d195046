#!/bin/bash
# Aggregation benchmark (issue 3): one UTC day of counters for N report domains, generated
# straight into SQLite (bench/aggregate_gen.sql: 100 sessions and 3 distinct failure details
# per domain, so N = 100,000 is 10 million sessions and 300,000 failure details), then
#   - `tlsrpt aggregate` for the day: build, gzip and store every report in one transaction
#     (wall and CPU time, peak RSS with /usr/bin/time),
#   - a second run (nothing to do: every report exists),
#   - `aggregate --force` (a new generation of every report, the old ones superseded),
#   - retention pruning that day while two later days of counters are kept.
# The reports are checked (count, session and failure-detail totals) before figures are kept.
#   bench/aggregate.sh [N ...]      default: 10000 100000 (growth between them = linearity)
# Writes the "## Aggregation" section of bench/RESULTS.md. Environment: BUILD (build).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # bench/run.sh starts every script with sh
set -eu
cd "$(dirname "$0")/.."
TOP=$(pwd)
BUILD=${BUILD:-build}
BIN=$TOP/$BUILD/tlsrpt
SIZES=${*:-10000 100000}
DAY_TS=1793491200 # 2026-11-01T00:00:00Z
NOW=2026-11-02T06:00:00Z
RESULTS=$TOP/bench/RESULTS.md
W=$(mktemp -d /tmp/tlsrpt-bench-aggregate.XXXXXX)
trap 'rm -rf "$W"' EXIT

[ -x "$BIN" ] || { echo "bench: build $BIN first (make)"; exit 1; }
printf '[report]\norganization_name = Bench Reporter\ncontact_info = tlsrpt@reporter.example\n' \
    > "$W/conf"

# timed NAME COMMAND...: runs it under /usr/bin/time; leaves "wall user sys maxrss_kb" in
# $W/NAME.time and stderr in $W/NAME.log
timed() {
    local name=$1
    shift
    /usr/bin/time -f '%e %U %S %M' -o "$W/$name.time" "$@" 2> "$W/$name.log" > /dev/null ||
        { echo "bench: $name failed:"; tail -n 5 "$W/$name.log"; exit 1; }
}
field() { awk -v f="$2" '{print $f}' "$W/$1.time"; }
cpu() { awk '{printf "%.2f", $2 + $3}' "$W/$1.time"; }

rows=""
for n in $SIZES; do
    db=$W/bench-$n.sqlite
    echo "bench aggregate: generating $n domains"
    gen_start=$(date +%s.%N)
    # an empty database with the schema (read commands such as stats no longer create one)
    "$BIN" --config "$W/conf" --db "$db" --now "$NOW" aggregate --domain absent.example 2> /dev/null
    sed "s/@N@/$n/g; s/@DAY@/$DAY_TS/g" bench/aggregate_gen.sql | sqlite3 "$db"
    gen_s=$(echo "$(date +%s.%N) $gen_start" | awk '{printf "%.1f", $1 - $2}')
    sessions=$(sqlite3 "$db" "SELECT sum(successful) + sum(failed) FROM session_counts")
    session_rows=$(sqlite3 "$db" "SELECT count(*) FROM session_counts")
    db_mb=$(du -m "$db" | awk '{print $1}')

    echo "bench aggregate: aggregating"
    timed "agg-$n" "$BIN" --config "$W/conf" --db "$db" --now "$NOW" aggregate
    check=$(sqlite3 "$db" "SELECT count(*), sum(successful) + sum(failed),
        sum(json_array_length(json, '\$.policies[0].failure-details')), sum(length(gzip)),
        sum(length(json)) FROM reports")
    want="$n|$sessions|$((3 * n))"
    case "$check" in "$want|"*) ;; *)
        echo "bench: reports do not add up: got $check, want $want|..."; exit 1 ;; esac
    gz_mb=$(echo "$check" | awk -F'|' '{printf "%.1f", $4 / 1048576}')
    json_mb=$(echo "$check" | awk -F'|' '{printf "%.1f", $5 / 1048576}')

    timed "again-$n" "$BIN" --config "$W/conf" --db "$db" --now "$NOW" aggregate
    grep -q "created=0 existing=$n .* changed=0$" "$W/again-$n.log" ||
        { echo "bench: rerun created reports or found changed counters"; exit 1; }
    timed "force-$n" "$BIN" --config "$W/conf" --db "$db" --now "$NOW" aggregate --force
    grep -q "created=$n " "$W/force-$n.log" || { echo "bench: --force did not regenerate"; exit 1; }

    # Retention: two more days of the same counters, then a run that prunes the first day
    # (its counters, its 2 x N reports, nothing orphaned as the later days use the same
    # policies) and builds nothing (--domain of a domain without sessions).
    sqlite3 "$db" "PRAGMA synchronous = OFF; BEGIN;
        INSERT INTO session_counts SELECT hour + d * 86400, report_domain, record_id, policy_id,
            source, successful, failed FROM session_counts, (SELECT 1 AS d UNION ALL SELECT 2);
        INSERT INTO failure_counts SELECT hour + d * 86400, report_domain, record_id, policy_id,
            detail_id, source, count FROM failure_counts, (SELECT 1 AS d UNION ALL SELECT 2);
        COMMIT;"
    printf '[storage]\nretention_days = 2\n' | cat - "$W/conf" > "$W/conf-retention"
    timed "prune-$n" "$BIN" --config "$W/conf-retention" --db "$db" --now 2026-11-04T06:00:00Z \
        aggregate --domain absent.example
    grep -q "pruned before=2026-11-02 counter_rows=$((session_rows + 3 * n)) reports=$((2 * n))$" \
        "$W/prune-$n.log" || { echo "bench: pruning did not happen as expected"; cat "$W/prune-$n.log"; exit 1; }

    # The part of pruning that grows with the days kept: one scan of the kept counters for
    # the ids still in use (retention.c), timed alone here.
    kept_rows=$(sqlite3 "$db" "SELECT (SELECT count(*) FROM session_counts) + (SELECT count(*) FROM failure_counts)")
    scan_start=$(date +%s.%N)
    sqlite3 "$db" "SELECT count(*) FROM (SELECT DISTINCT policy_id, record_id FROM session_counts
        UNION SELECT DISTINCT policy_id, record_id FROM failure_counts)" > /dev/null
    scan_s=$(echo "$(date +%s.%N) $scan_start $kept_rows" | awk '{printf "%.2f", ($1 - $2) * 1e6 / $3}')

    per_domain=$(awk -v n="$n" '{printf "%.0f", $1 * 1e6 / n}' "$W/agg-$n.time")
    rows="$rows| $n | $sessions | $((3 * n)) | $session_rows | $gen_s | $(field "agg-$n" 1) | $(cpu "agg-$n") | $per_domain | $(( $(field "agg-$n" 4) / 1024 )) | $gz_mb / $json_mb | $(field "again-$n" 1) | $(field "force-$n" 1) | $(( $(field "force-$n" 4) / 1024 )) | $(field "prune-$n" 1) | $scan_s |
"
    echo "bench aggregate: $n domains: $(field "agg-$n" 1) s wall, $(cpu "agg-$n") s CPU, $(( $(field "agg-$n" 4) / 1024 )) MiB peak RSS"
    rm -f "$db" "$db"-wal "$db"-shm
done

first=$(echo "$SIZES" | awk '{print $1}')
last=$(echo "$SIZES" | awk '{print $NF}')
growth=$(awk -v a="$(field "agg-$first" 1)" -v b="$(field "agg-$last" 1)" \
    -v n1="$first" -v n2="$last" 'BEGIN {printf "%.1fx the time for %.0fx the domains", b / a, n2 / n1}')
cpu_growth=$(awk -v a="$(cpu "agg-$first")" -v b="$(cpu "agg-$last")" 'BEGIN {printf "%.1fx", b / a}')

section=$W/section.md
cat > "$section" <<EOF
## Aggregation

\`bench/aggregate.sh\` (run by \`make bench\`): one UTC day of counters generated directly in
SQLite (\`bench/aggregate_gen.sql\`: per domain one policy (70% sts, 20% tlsa, 10%
no-policy-found), sessions in 1 to 24 hours, 100 sessions of which 3 failed, 3 distinct
failure details), then \`tlsrpt aggregate\` builds, gzips and stores every report in one
transaction. Wall and CPU (user + system) time and peak RSS from \`/usr/bin/time\`; the
reports are checked against the generated totals before the figures are kept.

Machine: $(nproc) CPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')),
load average $(cut -d' ' -f1-3 /proc/loadavg) after the run (other work shared the machine),
SQLite $(sqlite3 --version | cut -d' ' -f1), database on $(df -T "$W" | awk 'NR == 2 {print $2}'), $(date -u +%Y-%m-%d).

| domains | sessions | failure details | session rows | generate (s) | aggregate wall (s) | CPU (s) | µs / domain | peak RSS (MiB) | gzip / JSON stored (MiB) | rerun, nothing to do (s) | --force all (s) | --force RSS (MiB) | prune a day (s) | orphan scan (s per million kept rows) |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rows%
}

Growth from $first to $last domains: $growth (CPU: $cpu_growth); linear is the ratio of the
domain counts. Target: under 10 s for 100,000 domains and 10 million sessions.

Where the time goes (per report, this machine): building the JSON with jansson about 22 µs,
gzip about 13 µs (both on worker threads, $(( $(nproc) - 1 > 3 ? 3 : $(nproc) - 1 )) here, with the main thread helping),
reading the counters, storing the report (JSON and gzip, about 2 KB, so one row per 4 KiB
page, written to the WAL and then checkpointed) and committing about 35 µs on the main
thread. "CPU" is user + system time of all threads: when it is close to the wall time, the
run got about one CPU's worth (the machine was shared). Peak RSS stays that of two
512-domain batches, whatever the number of domains.

"prune a day": retention deleting one day of counters and its 2 x N reports (both
generations) while two later days of counters are kept, in the aggregate run (no report
built). What grows with the days kept is the scan of the kept counters for unreferenced
policies and records (last column): with 30 days of 100,000 domains (about 46 million
counter rows) add 46 times that figure.
EOF

touch "$RESULTS"
grep -q '^# ' "$RESULTS" ||
    printf '# Benchmark results\n\nEach section is rewritten by its script under bench/.\n\n' > "$RESULTS"
awk -v sec="$section" '
    function emit() { while ((getline line < sec) > 0) print line; close(sec); print "" }
    /^## Aggregation/ { emit(); skip = 1; done = 1; next }
    skip && /^## / { skip = 0 }
    !skip { print }
    END { if (!done) { print ""; emit() } }' "$RESULTS" | cat -s > "$W/results.new"
mv "$W/results.new" "$RESULTS"
echo "bench aggregate: results written to bench/RESULTS.md"

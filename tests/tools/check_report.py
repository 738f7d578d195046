#!/usr/bin/python3
"""Independent checks of RFC 8460 reports, for the tests (not used by tlsrpt itself).

  check_report.py db DATABASE        every report in the reports table
  check_report.py file REPORT...     report files (.json or .json.gz)
  check_report.py wire GOLDEN WIRE   WIRE (the bytes sent) is GOLDEN encoded compactly

Each report is checked against tests/data/rfc8460-report.schema.json (python3-jsonschema)
and for what a schema cannot say: strict UTF-8 and no duplicate keys (I-JSON), one UTC day,
one policy domain, identical failure details merged, IP addresses in canonical (RFC 5952)
form. In a database also: the gzip bytes inflate to exactly the stored JSON with a fixed
header, the RFC 8460 section 5.1 file name matches the report, the columns match the JSON,
and at most one current generation exists per day and domain.
Prints one line per problem on stderr; exits 1 when there was any.
"""
import calendar
import gzip
import ipaddress
import json
import os
import re
import sqlite3
import sys
import time

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(HERE, "..", "data", "rfc8460-report.schema.json")
FILENAME_RE = re.compile(
    r"^(?P<submitter>[a-z0-9._-]+)!(?P<domain>[a-z0-9._-]+)!(?P<begin>[0-9]+)!(?P<end>[0-9]+)"
    r"!(?P<uid>[A-Za-z0-9]+)\.json\.gz$")

problems = []


def problem(where, msg):
    problems.append(f"{where}: {msg}")


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate key in {keys}")
    return dict(pairs)


def reject_constant(name):
    raise ValueError(f"non-JSON number {name}")


def parse(where, raw):
    try:
        text = raw.decode("utf-8", errors="strict")
        return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=reject_constant)
    except (UnicodeDecodeError, ValueError) as e:
        problem(where, f"not I-JSON: {e}")
        return None


def validator():
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def check_report(where, report, v):
    errors = sorted(v.iter_errors(report), key=lambda e: list(e.path))
    for e in errors:
        problem(where, f"schema: {'/'.join(str(p) for p in e.path)}: {e.message}")
    if errors:
        return
    start = report["date-range"]["start-datetime"][:10]
    end = report["date-range"]["end-datetime"][:10]
    if start != end:
        problem(where, f"date-range spans {start}..{end}, not one UTC day")
    seen_policies = []
    for i, entry in enumerate(report["policies"]):
        if entry["policy"] in seen_policies:
            problem(where, f"policies[{i}] repeats an earlier policy")
        seen_policies.append(entry["policy"])
        seen = set()
        for j, d in enumerate(entry["failure-details"]):
            key = json.dumps({k: v for k, v in d.items() if k != "failed-session-count"},
                             sort_keys=True)
            if key in seen:
                problem(where, f"policies[{i}].failure-details[{j}] not merged with its twin")
            seen.add(key)
            for field in ("sending-mta-ip", "receiving-ip"):
                if field in d and str(ipaddress.ip_address(d[field])) != d[field]:
                    problem(where, f"{field} {d[field]} is not in canonical form")


def check_file(path, v):
    with open(path, "rb") as f:
        raw = f.read()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    report = parse(path, raw)
    if report is not None:
        check_report(path, report, v)


def check_gzip_header(where, blob):
    if blob[:4] != b"\x1f\x8b\x08\x00" or blob[4:8] != b"\0\0\0\0":
        problem(where, "gzip header is not deterministic (flags/name or mtime set)")


def check_row(row, v):
    (report_id, day, domain, generation, superseded, filename, js, blob, ok, failed) = row
    where = f"report {report_id} ({domain} {day} gen {generation})"
    try:
        inflated = gzip.decompress(blob)
    except OSError as e:
        problem(where, f"gzip does not inflate: {e}")
        return
    check_gzip_header(where, blob)
    if inflated != js.encode("utf-8"):
        problem(where, "gzip bytes do not inflate to the stored JSON")
    report = parse(where, inflated)
    if report is None:
        return
    check_report(where, report, v)
    if problems and problems[-1].startswith(where + ": schema"):
        return
    if report["report-id"] != report_id:
        problem(where, "report-id in the JSON differs from the column")
    if report["date-range"]["start-datetime"][:10] != day:
        problem(where, "date-range is not the day column")
    sums = [sum(p["summary"][k] for p in report["policies"])
            for k in ("total-successful-session-count", "total-failure-session-count")]
    if sums != [ok, failed]:
        problem(where, f"summary totals {sums} differ from the columns {[ok, failed]}")
    m = FILENAME_RE.match(filename)
    if not m:
        problem(where, f"file name {filename!r} is not submitter!domain!begin!end!id.json.gz")
        return
    begin = calendar.timegm(time.strptime(day, "%Y-%m-%d"))
    submitter = report["contact-info"].rsplit("@", 1)[1].lower()
    want = (submitter, domain, str(begin), str(begin + 86399), report_id)
    got = (m["submitter"], m["domain"], m["begin"], m["end"], m["uid"])
    if got != want:
        problem(where, f"file name parts {got} should be {want}")


def check_db(path, v):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = con.execute("SELECT report_id, day, policy_domain, generation, superseded, filename,"
                       " json, gzip, successful, failed FROM reports").fetchall()
    for row in rows:
        check_row(row, v)
    for day, domain, current, newest, top in con.execute(
            "SELECT day, policy_domain, sum(superseded = 0), max(generation),"
            " max(CASE WHEN superseded = 0 THEN generation END) FROM reports"
            " GROUP BY day, policy_domain"):
        if current > 1:
            problem(f"{domain} {day}", f"{current} current generations")
        if current == 1 and top != newest:
            problem(f"{domain} {day}", f"current generation {top} is not the newest {newest}")
    con.close()
    return len(rows)


def upper_hex(m):
    return m[0] if m[1] == "\\" else "\\u" + m[1][1:].upper()


def check_wire(golden_path, wire_path):
    with open(golden_path, "rb") as f:
        golden = json.loads(f.read().decode("utf-8"))
    with open(wire_path, "rb") as f:
        wire = f.read()
    want = json.dumps(golden, ensure_ascii=False, separators=(",", ":"))
    # jansson writes \u escapes with upper-case hex digits (both forms are valid JSON).
    want = re.sub(r"\\(\\|u[0-9a-f]{4})", upper_hex, want).encode("utf-8")
    if wire != want:
        problem(wire_path, "sent bytes are not the golden report in compact form")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("db", "file", "wire"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[1] == "wire":
        check_wire(argv[2], argv[3])
        n = 1
    else:
        v = validator()
        if argv[1] == "db":
            n = check_db(argv[2], v)
        else:
            for path in argv[2:]:
                check_file(path, v)
            n = len(argv) - 2
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(f"{n} report(s) valid")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
"""Parses a Prometheus text-format file (0.0.4) strictly and prints each sample as
   name{label="value",...} value
with labels sorted, one per line. Exits 1 with a message on any format error: a sample
before its family's HELP and TYPE, a family declared twice, a repeated series, a bad
metric or label name, a bad escape, a value that is not a number, a missing final newline."""
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def die(lineno, msg):
    sys.exit("line %d: %s" % (lineno, msg))


def parse_labels(s, lineno):
    """s starts after '{'; returns (labels dict, rest after '}')."""
    labels, i = {}, 0
    while True:
        if s[i] == "}":
            return labels, s[i + 1:]
        m = LABEL.match(s, i)
        if not m or s[m.end():m.end() + 2] != '="':
            die(lineno, "bad label at %r" % s[i:])
        name, i, value = m.group(0), m.end() + 2, ""
        while s[i] != '"':
            if s[i] == "\\":
                esc = s[i + 1]
                if esc not in '\\"n':
                    die(lineno, "bad escape \\%s" % esc)
                value += {"\\": "\\", '"': '"', "n": "\n"}[esc]
                i += 2
            else:
                value += s[i]
                i += 1
        i += 1
        if name in labels:
            die(lineno, "label %s repeated" % name)
        labels[name] = value
        if s[i] == ",":
            i += 1
        elif s[i] != "}":
            die(lineno, "expected , or } at %r" % s[i:])


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    if text and not text.endswith("\n"):
        die(text.count("\n") + 1, "no final newline")
    helped, typed, seen = set(), {}, set()
    out = []
    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            if not NAME.fullmatch(name) or name in helped:
                die(lineno, "bad or repeated HELP for %s" % name)
            helped.add(name)
        elif line.startswith("# TYPE "):
            parts = line.split(" ")
            if len(parts) != 4 or parts[3] not in ("counter", "gauge", "histogram", "summary", "untyped"):
                die(lineno, "bad TYPE line")
            if parts[2] in typed:
                die(lineno, "TYPE repeated for %s" % parts[2])
            typed[parts[2]] = parts[3]
        elif line.startswith("#") or line == "":
            die(lineno, "unexpected line %r" % line)
        else:
            m = NAME.match(line)
            if not m:
                die(lineno, "bad metric name")
            name, rest = m.group(0), line[m.end():]
            if name not in helped or name not in typed:
                die(lineno, "sample of %s before its HELP and TYPE" % name)
            labels = {}
            if rest.startswith("{"):
                labels, rest = parse_labels(rest[1:], lineno)
            if not rest.startswith(" "):
                die(lineno, "no space before the value")
            value = rest[1:]
            try:
                float(value)
            except ValueError:
                die(lineno, "value %r is not a number" % value)
            key = name + "{" + ",".join('%s="%s"' % (k, labels[k]) for k in sorted(labels)) + "}"
            if key in seen:
                die(lineno, "series %s repeated" % key)
            seen.add(key)
            out.append("%s %s" % (key, value))
    print("\n".join(out))


main()

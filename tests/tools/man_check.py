#!/usr/bin/python3
"""Checks that the man pages document everything the code accepts.
    man_check.py TLSRPT_BINARY TOP_DIR MAN8_SCD MAN5_SCD
Prints PASS/FAIL lines (tests/run.sh format); exits 1 on any FAIL.
- every command of `tlsrpt --help` has a "## COMMAND" section in tlsrpt(8), and every
  --option of `tlsrpt COMMAND --help`'s option lines is written as *--option* inside that
  section; `tlsrpt help COMMAND` prints the same; the help (generated from the page, see
  man/help.awk) has one line per option of the command's getopt table (in the file whose
  usage_text names the command), and nothing else;
- every global option of the usage line, and --help/--version, is in GLOBAL OPTIONS;
- every long option of every getopt_long table in the C sources is in tlsrpt(8);
- every key of `tlsrpt check-config --defaults` is in its [section] of tlsrpt.conf(5), with
  its default ("Default: *value*", or "Default: empty" when the default is empty)."""
import glob
import os
import re
import subprocess
import sys

binary, top, man8_path, man5_path = sys.argv[1:5]
man8 = open(man8_path, encoding="utf-8").read()
man5 = open(man5_path, encoding="utf-8").read()
failures = 0


def check(name, ok, why=""):
    global failures
    if ok:
        print("PASS " + name)
    else:
        failures += 1
        print("FAIL %s: %s" % (name, why))


def run(*args):
    return subprocess.run([binary, "--config", "/dev/null"] + list(args), capture_output=True,
                          text=True).stdout


def section(text, start_re, end_re):
    m = re.search(start_re, text, re.M)
    if not m:
        return None
    rest = text[m.end():]
    e = re.search(end_re, rest, re.M)
    return rest[:e.start()] if e else rest


def options(usage):
    return sorted(set(re.findall(r"--[a-z][a-z-]*", usage)))


def option_lines(text):
    """The options of a help text's "options:" lines (the first column), e.g. --since and
    --until from "  --since DAY, --until DAY   Only the days..."."""
    found = []
    for line in text.splitlines():
        m = re.match(r"^  (-.*?)(?:\s{2,}|$)", line)
        if m:
            found += re.findall(r"--[a-z][a-z-]*", m.group(1))
    return sorted(set(found))


# getopt tables by command: the file whose usage_text starts with the command's name.
def command_tables():
    tables = {}
    for d in ("cli", "collector", "aggregator", "reporter"):
        for path in glob.glob(os.path.join(top, d, "*.c")):
            text = open(path, encoding="utf-8").read()
            m = re.search(r'usage_text\[\]\s*=\s*"([a-z][a-z-]*)', text)
            if not m:
                continue
            names = re.findall(r'\{\s*"([a-z][a-z-]*)"\s*,\s*(?:no|required|optional)_argument',
                               text)
            tables[m.group(1)] = sorted(set("--" + n for n in names))
    return tables


# --- commands and their options ------------------------------------------------------------
TABLES = command_tables()
top_help = run("--help")
commands = re.findall(r"^  ([a-z][a-z-]*) ", top_help, re.M)
check("tlsrpt --help lists commands", len(commands) >= 3, top_help)
for cmd in commands:
    body = section(man8, r"^## " + re.escape(cmd) + r"$", r"^#{1,2} ")
    check("tlsrpt(8) has a section for %s" % cmd, body is not None)
    if body is None:
        continue
    usage = run(cmd, "--help")
    check("%s --help prints a usage line" % cmd, usage.startswith("usage: "), usage)
    check("tlsrpt help %s prints the same as %s --help" % (cmd, cmd), run("help", cmd) == usage)
    for opt in option_lines(usage):
        if opt == "--help":
            continue
        check("tlsrpt(8) documents %s %s" % (cmd, opt), ("*" + opt + "*") in body,
              "no *%s* in its section" % opt)
    table = TABLES.get(cmd)
    check("the getopt table of %s is found" % cmd, table is not None)
    if table is not None:
        check("%s --help lists exactly the options of its getopt table" % cmd,
              option_lines(usage) == table,
              "help: %s, getopt table: %s" % (option_lines(usage), table))

# --- global options --------------------------------------------------------------------------
glob_body = section(man8, r"^# GLOBAL OPTIONS$", r"^# ")
usage_line = top_help.splitlines()[0]
for opt in options(usage_line) + ["--help", "--version"]:
    check("tlsrpt(8) documents global %s" % opt, glob_body and ("*" + opt + "*") in glob_body)
for short in re.findall(r"\[(-[a-zA-Z])\]", usage_line):
    check("tlsrpt(8) documents global %s" % short, glob_body and ("*" + short + "*") in glob_body)

# --- every getopt_long table in the sources -------------------------------------------------------
sources = [p for d in ("cli", "collector", "aggregator", "reporter", "lib")
           for p in glob.glob(os.path.join(top, d, "*.c"))]
table_opts = set()
for path in sources:
    for name in re.findall(r'\{\s*"([a-z][a-z-]*)"\s*,\s*(?:no|required|optional)_argument',
                           open(path, encoding="utf-8").read()):
        table_opts.add(name)
check("getopt tables found in the sources", len(table_opts) >= 10, sorted(table_opts))
for name in sorted(table_opts):
    check("tlsrpt(8) documents --%s (a getopt table)" % name, ("*--" + name + "*") in man8)

# --- configuration keys ------------------------------------------------------------------------
defaults = run("check-config", "--defaults")
current, keys = None, []
for line in defaults.splitlines():
    m = re.match(r"^\[([a-z]+)\]$", line)
    if m:
        current = m.group(1)
    m = re.match(r"^#([a-z_]+) =(?: (.*))?$", line)
    if m:
        keys.append((current, m.group(1), m.group(2) or ""))
check("check-config --defaults lists keys", len(keys) >= 20, defaults[:300])
for sect, key, default in keys:
    body = section(man5, r"^# \[" + sect + r"\]$", r"^# ")
    name = "tlsrpt.conf(5) documents [%s] %s" % (sect, key)
    if body is None:
        check(name, False, "no section [%s]" % sect)
        continue
    m = re.search(r"^\*" + re.escape(key) + r"\* =.*?(?=\n\n|\Z)", body, re.M | re.S)
    check(name, m is not None, "no *%s* = in [%s]" % (key, sect))
    if m:
        para = " ".join(m.group(0).split())
        want = "Default: empty" if default == "" else "Default: *%s*" % default
        check(name + " with its default " + (default or "(empty)"), want in para,
              "want %r in %r" % (want, para[-120:]))

sys.exit(1 if failures else 0)

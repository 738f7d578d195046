#!/usr/bin/python3
"""Replaces (or appends) one "## NAME" section of bench/RESULTS.md with TEXT.
Usage: results_section.py NAME TEXT [FILE]. Each bench script owns its section."""
import re
import sys

name, new = sys.argv[1], sys.argv[2].strip() + "\n"
path = sys.argv[3] if len(sys.argv) > 3 else "bench/RESULTS.md"
try:
    text = open(path).read()
except FileNotFoundError:
    text = ""
if not text.strip():
    text = "# Benchmark results\n\nEach section is rewritten by its script under bench/.\n\n"
pat = re.compile(r"^## " + re.escape(name) + r"\n.*?(?=^## |\Z)", re.S | re.M)
text = pat.sub(lambda m: new + "\n", text) if pat.search(text) else text.rstrip("\n") + "\n\n" + new
open(path, "w").write(text)

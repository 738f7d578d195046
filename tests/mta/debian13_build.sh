#!/bin/bash
# Debian 13 as a first-class platform: in the cached Debian 13 root of the real-MTA test
# (trixie: gcc 14, its -dev packages), scripts/setup.sh finds every package name it asks for
# (the clang runtime's version differs from Debian 12's), tlsrpt builds without a warning, and
# every unit test passes there. The root is a writable overlay in a private mount namespace;
# the cached root is not changed. Each unit test's lines are prefixed "debian13".
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
NAME=debian13_build
mta_root "$NAME"
t0=$(date +%s)
start_holder "" || { fail "namespace" "could not start"; exit 1; }

# the tree under test, without builds and git
mkdir -p "$RH/src"
tar -C "$TOP" --exclude=./build --exclude=./.git -cf - . | tar -C "$RH/src" -xf -
check_eq "the root is Debian 13" "13" "$(. "$RH/etc/os-release"; echo "$VERSION_ID")"

# setup.sh on Debian 13: the build packages are there (nothing to install), and every name of
# the --test list exists in Debian 13's archive (apt-get -s resolves them, installs nothing)
out=$(inroot sh /src/scripts/setup.sh 2>&1)
check_eq "setup.sh: nothing missing to build on Debian 13" "0|" "$?|$out"
names=$(inroot sh /src/scripts/setup.sh --test --list)
check "setup.sh --test asks for this release's clang runtime ($(echo "$names" | grep -o 'libclang-rt-[0-9]*-dev'))" \
    sh -c "echo '$names' | grep -qw libclang-rt-19-dev"
inroot apt-get install -s --no-install-recommends $names > "$T/apt-sim.log" 2>&1
check_eq "every package setup.sh --test names exists on Debian 13" 0 "$?"
[ -s "$T/apt-sim.log" ] && grep -E '^E:' "$T/apt-sim.log" | head -5

inroot sh -c 'cd /src && make -j"$(nproc)" all' > "$T/make.log" 2>&1
rc=$?
check_eq "tlsrpt builds on Debian 13 ($(inroot gcc -dumpfullversion))" 0 "$rc"
check_eq "no compiler warning on Debian 13" "" "$(grep -i 'warning:' "$T/make.log" | head -3)"
[ "$rc" -eq 0 ] || { tail -20 "$T/make.log"; exit 1; }
echo "build took $(( $(date +%s) - t0 ))s"

n=0
for t in "$RH"/src/build/tests/test_*; do
    [ -x "$t" ] && [ -f "$t" ] || continue
    name=$(basename "$t")
    inroot sh -c "cd /src && TOP=/src BUILD=build build/tests/$name" > "$T/$name.log" 2>&1
    rc=$?
    sed -n "s/^\(PASS\|FAIL\) /\1 debian13 $name: /p" "$T/$name.log"
    if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$T/$name.log"; then
        fail "debian13 $name" "exited with status $rc: $(tail -n 3 "$T/$name.log")"
    fi
    n=$((n + 1))
done
check "unit test programs ran on Debian 13 ($n)" test "$n" -ge 10
echo "the whole test took $(( $(date +%s) - t0 ))s"

#!/bin/sh
# Line and branch coverage of what the fuzz corpora reach: builds the targets again with
# clang's source-based coverage (no sanitizers) into build/fuzz-cov/, runs each over its
# corpus (fuzz/corpus-NAME, grown by `make fuzz`) and seeds, and prints llvm-cov's report for
# the source files that target is about.
#   sh fuzz/coverage.sh [NAME...]     (default: every fuzz/fuzz_*.c)
set -eu
cd "$(dirname "$0")/.."
out=build/fuzz-cov
CC=${FUZZ_CC:-clang}
PROFDATA=${LLVM_PROFDATA:-llvm-profdata}
COV=${LLVM_COV:-llvm-cov}
pkgs="jansson sqlite3 libcurl libidn2 zlib opendkim"
cflags="-std=gnu11 -O1 -g -fprofile-instr-generate -fcoverage-mapping -pthread -I. \
    -D_GNU_SOURCE -D_DEFAULT_SOURCE -DTLSRPT_VERSION=\"cov\" $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lresolv"

# The files whose coverage a target's report shows.
sources() {
    case "$1" in
    datagram) echo collector/datagram.c collector/counters.c collector/ingest.c lib/utf8.c \
        lib/domain.c lib/bmap.c ;;
    record) echo collector/record.c collector/ingest.c collector/datagram.c collector/counters.c \
        collector/store.c ;;
    config) echo lib/config.c ;;
    exchange) echo collector/exchange.c collector/counters.c ;;
    rua) echo reporter/rua.c reporter/addr.c ;;
    dns) echo reporter/dns.c ;;
    *) ls "fuzz/fuzz_$1.c" ;;
    esac
}

mkdir -p "$out/obj"
sh schema/embed.sh schema/[0-9]*.sql > "$out/schema_sql.c"
objs="$out/obj/schema_sql.o"
# shellcheck disable=SC2086
$CC $cflags -c -o "$out/obj/schema_sql.o" "$out/schema_sql.c"
for f in lib/*.c collector/*.c aggregator/*.c reporter/*.c cli/*.c; do
    [ -f "$f" ] && [ "$f" != cli/main.c ] || continue
    o="$out/obj/$(echo "$f" | tr / _ | sed 's/\.c$/.o/')"
    # shellcheck disable=SC2086
    [ "$o" -nt "$f" ] || $CC $cflags -c -o "$o" "$f"
    objs="$objs $o"
done

names=${*:-$(ls fuzz/fuzz_*.c | sed 's|fuzz/fuzz_\(.*\)\.c|\1|')}
for name in $names; do
    # shellcheck disable=SC2086
    $CC $cflags -fsanitize=fuzzer -o "$out/fuzz_$name" "fuzz/fuzz_$name.c" $objs $libs
    dirs=""
    for d in "fuzz/corpus-$name" $(FUZZ_DIR=$out sh fuzz/run.sh --seeds "$name"); do
        [ -d "$d" ] && dirs="$dirs $d"
    done
    rm -f "$out/$name.profraw"
    # shellcheck disable=SC2086
    LLVM_PROFILE_FILE="$out/$name.profraw" "$out/fuzz_$name" -runs=0 $dirs > "$out/$name.run.log" 2>&1
    $PROFDATA merge -sparse -o "$out/$name.profdata" "$out/$name.profraw"
    echo "== coverage of fuzz_$name over:$dirs"
    # shellcheck disable=SC2046
    $COV report "$out/fuzz_$name" -instr-profile="$out/$name.profdata" $(sources "$name")
done

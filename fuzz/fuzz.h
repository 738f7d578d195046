/* Shared by the fuzz targets (fuzz/fuzz_NAME.c). Each target defines
 *     int fuzz_NAME(const uint8_t *data, size_t size)
 * and ends with FUZZ_ENTRY(fuzz_NAME), which becomes libFuzzer's LLVMFuzzerTestOneInput.
 * tests/unit/test_fuzz_regressions.c includes the targets with FUZZ_NO_ENTRY defined and calls
 * fuzz_NAME on every file of tests/data/fuzz-regressions/NAME/, in the normal test build.
 *
 * A target checks properties beyond "no crash" with FUZZ_CHECK: a violated property aborts,
 * which libFuzzer reports as a crash and saves the input. Names of a target's own static
 * helpers carry its name (datagram_..., record_..., config_...) so that the replay test can
 * include all of them in one file. */
#ifndef TLSRPT_FUZZ_H
#define TLSRPT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz property violated: %s (%s:%d)\n", #cond, __FILE__, __LINE__);  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#ifdef FUZZ_NO_ENTRY
#define FUZZ_ENTRY(fn)
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#define FUZZ_ENTRY(fn)                                                                             \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                                   \
    {                                                                                              \
        return fn(data, size);                                                                     \
    }
#endif

#endif

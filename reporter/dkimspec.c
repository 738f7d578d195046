/* [dkim] selector / key_file / algorithm lists -> one spec per key. */
#include "dkimspec.h"

#include <stdio.h>
#include <string.h>

/* Splits list into items of at most size - 1 bytes; returns the count, or -1 (too many, too
 * long) with err. */
static int split(const char *name, const char *list, char *items, size_t size, size_t max,
                 char *err, size_t errsize)
{
    char item[4096];
    const char *cur = list;
    size_t n = 0;
    while (config_list_next(&cur, item, sizeof item)) {
        if (n == max) {
            snprintf(err, errsize, "[dkim] %s: more than %zu entries", name, max);
            return -1;
        }
        if (strlen(item) >= size) {
            snprintf(err, errsize, "[dkim] %s: \"%.40s...\" is longer than %zu bytes", name, item,
                     size - 1);
            return -1;
        }
        memcpy(items + n * size, item, strlen(item) + 1);
        n++;
    }
    return (int)n;
}

int dkim_keyspecs(const struct config *cfg, struct dkim_keyspec *out, size_t max, char *err,
                  size_t errsize)
{
    char sel[DKIM_KEYS_MAX][sizeof out->selector];
    char file[DKIM_KEYS_MAX][sizeof out->key_file];
    char alg[DKIM_KEYS_MAX][sizeof out->algorithm];
    if (max > DKIM_KEYS_MAX)
        max = DKIM_KEYS_MAX;
    int ns = split("selector", cfg->dkim_selector, &sel[0][0], sizeof sel[0], max, err, errsize);
    int nf = split("key_file", cfg->dkim_key_file, &file[0][0], sizeof file[0], max, err,
                   errsize);
    int na = split("algorithm", cfg->dkim_algorithm, &alg[0][0], sizeof alg[0], max, err,
                   errsize);
    if (ns < 0 || nf < 0 || na < 0)
        return -1;
    if (ns != nf) {
        snprintf(err, errsize, "[dkim] selector has %d entries and key_file %d: one selector per "
                               "key file, in the same order", ns, nf);
        return -1;
    }
    if (na > nf && nf > 0) {
        snprintf(err, errsize, "[dkim] algorithm has %d entries for %d key file%s", na, nf,
                 nf == 1 ? "" : "s");
        return -1;
    }
    for (int i = 0; i < nf; i++) {
        memcpy(out[i].selector, sel[i], sizeof out[i].selector);
        memcpy(out[i].key_file, file[i], sizeof out[i].key_file);
        if (i < na)
            memcpy(out[i].algorithm, alg[i], sizeof out[i].algorithm);
        else
            out[i].algorithm[0] = '\0';
    }
    return nf;
}

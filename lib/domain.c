#include "domain.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>

static int label_syntax_ok(const char *d, const char **why)
{
    size_t label = 0;
    for (const char *p = d;; p++) {
        if (*p == '.' || *p == '\0') {
            if (label == 0 || label > 63) {
                *why = label ? "label longer than 63" : "empty label";
                return -1;
            }
            if (*p == '\0')
                return 0;
            label = 0;
            continue;
        }
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            *why = "character not allowed in a domain name";
            return -1;
        }
        label++;
    }
}

int domain_normalize(const char *in, size_t len, char out[DOMAIN_MAX], const char **why)
{
    char tmp[DOMAIN_MAX * 4 + 1]; /* room for U-labels before conversion */
    int ascii = 1;

    if (len > 0 && in[len - 1] == '.')
        len--;
    if (len == 0) {
        *why = "empty domain";
        return -1;
    }
    if (len >= sizeof tmp) {
        *why = "domain too long";
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\0') {
            *why = "NUL in domain";
            return -1;
        }
        if (c >= 0x80)
            ascii = 0;
        tmp[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
    }
    tmp[len] = '\0';

    if (!ascii) {
        char *alabel = NULL;
        int rc = idn2_to_ascii_8z(tmp, &alabel, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
        if (rc != IDN2_OK) {
            idn2_free(alabel);
            alabel = NULL;
            rc = idn2_to_ascii_8z(tmp, &alabel, IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
        }
        if (rc != IDN2_OK) {
            idn2_free(alabel);
            *why = "not a valid internationalised domain name";
            return -1;
        }
        size_t n = strlen(alabel);
        if (n >= DOMAIN_MAX) {
            idn2_free(alabel);
            *why = "domain too long";
            return -1;
        }
        memcpy(tmp, alabel, n + 1);
        idn2_free(alabel);
        len = n;
        for (size_t i = 0; i < len; i++) /* idn2 keeps ASCII labels' case as given */
            if (tmp[i] >= 'A' && tmp[i] <= 'Z')
                tmp[i] = (char)(tmp[i] + 32);
    }
    if (len >= DOMAIN_MAX) {
        *why = "domain too long";
        return -1;
    }
    if (label_syntax_ok(tmp, why) != 0)
        return -1;
    memcpy(out, tmp, len + 1);
    return 0;
}

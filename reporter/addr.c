/* Recipient address validation for addresses taken from DNS (pure). */
#include "addr.h"

#include <string.h>

#include "lib/domain.h"

static int is_atext(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

int addr_check(const char *addr, char out[ADDR_MAX], const char **why)
{
    size_t len = strlen(addr);
    if (len == 0) {
        *why = "empty address";
        return -1;
    }
    if (len >= ADDR_MAX) {
        *why = "address too long";
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)addr[i];
        if (c < 0x20 || c == 0x7f) {
            *why = "control character in address";
            return -1;
        }
    }
    const char *p = addr;
    const char *at = strrchr(addr, '@');
    for (const char *q = addr; q < (at ? at : addr + len); q++) {
        if ((unsigned char)*q >= 0x80) {
            *why = "non-ASCII address (SMTPUTF8 is not supported)";
            return -1;
        }
    }
    if (*p == '"') {
        p++;
        while (*p && *p != '"') {
            if (*p == '\\') {
                p++;
                if (*p == '\0') {
                    *why = "unterminated quoted local part";
                    return -1;
                }
            }
            p++;
        }
        if (*p != '"') {
            *why = "unterminated quoted local part";
            return -1;
        }
        p++;
        if (p - addr == 2) {
            *why = "empty quoted local part";
            return -1;
        }
    } else {
        if (*p == '-') {
            *why = "local part starts with '-'";
            return -1;
        }
        int prev_dot = 1;
        while (*p && *p != '@') {
            if (*p == '.') {
                if (prev_dot) {
                    *why = "bad dots in local part";
                    return -1;
                }
                prev_dot = 1;
            } else if (is_atext(*p)) {
                prev_dot = 0;
            } else {
                *why = "character not allowed in local part";
                return -1;
            }
            p++;
        }
        if (prev_dot) {
            *why = p == addr ? "empty local part" : "bad dots in local part";
            return -1;
        }
    }
    if (*p != '@') {
        *why = "not local@domain";
        return -1;
    }
    size_t local_len = (size_t)(p - addr);
    if (local_len > 64) {
        *why = "local part longer than 64";
        return -1;
    }
    const char *dom = p + 1;
    if (strchr(dom, '@') != NULL) {
        *why = "more than one @";
        return -1;
    }
    if (*dom == '[') {
        *why = "address literals are not accepted";
        return -1;
    }
    char norm[DOMAIN_MAX];
    if (domain_normalize(dom, strlen(dom), norm, why) != 0)
        return -1;
    if (strchr(norm, '.') == NULL) {
        *why = "domain without a dot";
        return -1;
    }
    if (strchr(norm, '_') != NULL) {
        *why = "'_' in a mail domain";
        return -1;
    }
    if (local_len + 1 + strlen(norm) >= ADDR_MAX) {
        *why = "address too long";
        return -1;
    }
    memcpy(out, addr, local_len);
    out[local_len] = '@';
    strcpy(out + local_len + 1, norm);
    return 0;
}

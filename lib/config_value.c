/* Syntax checks of configuration values (pure). */
#include "config_value.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "domain.h"
#include "utf8.h"

static int fail(char *why, size_t size, const char *msg)
{
    snprintf(why, size, "%s", msg);
    return -1;
}

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int value_dkim_selector(const char *s, char *why, size_t size)
{
    size_t label = 0;
    const char *start = s;
    if (*s == '\0')
        return fail(why, size, "empty");
    for (const char *p = s;; p++) {
        if (*p == '.' || *p == '\0') {
            if (label == 0)
                return fail(why, size, "empty label (\"..\", or a dot at either end)");
            if (label > 63)
                return fail(why, size, "a label is longer than 63 characters");
            if (start[0] == '-' || p[-1] == '-')
                return fail(why, size, "a label starts or ends with '-'");
            if (*p == '\0')
                break;
            label = 0;
            start = p + 1;
            continue;
        }
        unsigned char c = (unsigned char)*p;
        if (!is_alnum(c) && c != '-') {
            char what[48];
            if (c == ' ' || c == '\t')
                snprintf(what, sizeof what, "a blank");
            else if (isgraph(c))
                snprintf(what, sizeof what, "'%c'", c);
            else
                snprintf(what, sizeof what, "a control or non-ASCII character");
            snprintf(why, size, "%s is not allowed: letters, digits, '-' and '.' only "
                     "(RFC 6376 section 3.1)", what);
            return -1;
        }
        label++;
    }
    if (strlen(s) > 200) /* s=<selector>._domainkey.<domain> must stay within 253 */
        return fail(why, size, "longer than 200 characters");
    return 0;
}

/* Applies check to each item of a blank- or comma-separated list (as config_list_next splits
 * it), naming the item that fails. */
static int each_item(const char *s, config_check_fn *check, char *why, size_t size)
{
    char item[1024], inner[400];
    for (const char *p = s;;) {
        p += strspn(p, ", \t");
        size_t n = strcspn(p, ", \t");
        if (n == 0)
            return 0;
        snprintf(item, sizeof item, "%.*s", (int)n, p);
        if (check(item, inner, sizeof inner) != 0) {
            if (strcmp(item, s) == 0) /* the whole value: the caller names it already */
                snprintf(why, size, "%s", inner);
            else
                snprintf(why, size, "\"%.200s\": %s", item, inner);
            return -1;
        }
        p += n;
    }
}

int value_dkim_selectors(const char *s, char *why, size_t size)
{
    return each_item(s, value_dkim_selector, why, size);
}

int value_abs_paths(const char *s, char *why, size_t size)
{
    return each_item(s, value_abs_path, why, size);
}

int value_domain(const char *s, char *why, size_t size)
{
    char out[DOMAIN_MAX];
    const char *reason;
    if (domain_normalize(s, strlen(s), out, &reason) != 0) {
        snprintf(why, size, "not a domain name: %s", reason);
        return -1;
    }
    return 0;
}

/* RFC 5322 atext, plus '.' between atoms (a dot-atom local part). */
static int local_part_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_alnum(c) || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL)
            continue;
        if (c == '.' && s[i + 1] != '.')
            continue;
        return 0;
    }
    return 1;
}

int value_addr_spec(const char *s, char *why, size_t size)
{
    if (strncasecmp(s, "mailto:", 7) == 0)
        return fail(why, size, "not an e-mail address: write the address alone, without "
                               "\"mailto:\" (RFC 8460 section 4.4: an addr-spec)");
    if (strchr(s, '<') != NULL || strchr(s, '>') != NULL || strchr(s, ' ') != NULL)
        return fail(why, size, "not an e-mail address: write the address alone, without a "
                               "name or angle brackets (RFC 8460 section 4.4: an addr-spec)");
    const char *at = strrchr(s, '@');
    if (at == NULL)
        return fail(why, size, "not an e-mail address (local-part@domain)");
    if (!local_part_ok(s, (size_t)(at - s)))
        return fail(why, size, "not an e-mail address: the part before '@' must be a dot-atom "
                               "(letters, digits, !#$%&'*+-/=?^_`{|}~ and inner dots)");
    char dom[200];
    if (value_domain(at + 1, dom, sizeof dom) != 0) {
        snprintf(why, size, "the part after '@' is %s", dom);
        return -1;
    }
    return 0;
}

static int port_ok(const char *p, size_t n, char *why, size_t size)
{
    long v = 0;
    if (n == 0)
        return fail(why, size, "empty port after ':'");
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            snprintf(why, size, "port \"%.*s\" is not a number", (int)n, p);
            return -1;
        }
        if (v <= 65535)
            v = v * 10 + (p[i] - '0');
    }
    if (v < 1 || v > 65535) {
        snprintf(why, size, "port %.*s is out of range (1 to 65535)", (int)n, p);
        return -1;
    }
    return 0;
}

int value_smtp_url(const char *s, char *why, size_t size)
{
    const char *p;
    if (strncmp(s, "smtp://", 7) == 0)
        p = s + 7;
    else if (strncmp(s, "smtps://", 8) == 0)
        p = s + 8;
    else
        return fail(why, size, "must start with smtp:// or smtps://");
    size_t auth = strcspn(p, "/");
    if (memchr(p, '@', auth) != NULL)
        return fail(why, size, "no user or password in the URL: set [delivery] smtp_user and "
                               "smtp_password_file");
    const char *host = p, *host_end, *port = NULL;
    char tmp[DOMAIN_MAX + 64];
    if (*p == '[') {
        host_end = strchr(p, ']');
        if (host_end == NULL)
            return fail(why, size, "'[' without ']' around the IPv6 address");
        size_t n = (size_t)(host_end - p - 1);
        struct in6_addr a6;
        snprintf(tmp, sizeof tmp, "%.*s", (int)(n < sizeof tmp ? n : sizeof tmp - 1), p + 1);
        if (n >= sizeof tmp || inet_pton(AF_INET6, tmp, &a6) != 1)
            return fail(why, size, "not an IPv6 address between '[' and ']'");
        p = host_end + 1;
    } else {
        host_end = p + strcspn(p, ":/?#");
        size_t n = (size_t)(host_end - host);
        if (n == 0)
            return fail(why, size, "no host name");
        if (n >= sizeof tmp)
            return fail(why, size, "host name too long");
        snprintf(tmp, sizeof tmp, "%.*s", (int)n, host);
        struct in_addr a4;
        char dwhy[200];
        if (inet_pton(AF_INET, tmp, &a4) != 1 && value_domain(tmp, dwhy, sizeof dwhy) != 0) {
            snprintf(why, size, "host \"%s\" is %s", tmp, dwhy);
            return -1;
        }
        p = host_end;
    }
    if (*p == ':') {
        port = p + 1;
        p = port + strcspn(port, "/?#");
        if (port_ok(port, (size_t)(p - port), why, size) != 0)
            return -1;
    }
    if (*p == '?' || *p == '#')
        return fail(why, size, "no query or fragment ('?', '#') in an SMTP URL");
    if (*p == '/') {
        p++;
        char dwhy[200];
        if (*p != '\0' && value_domain(p, dwhy, sizeof dwhy) != 0) {
            snprintf(why, size, "the path is the EHLO name and \"%s\" is %s", p, dwhy);
            return -1;
        }
        return 0;
    }
    if (*p != '\0')
        return fail(why, size, "unexpected characters after the host");
    return 0;
}

static int no_controls(const char *s, char *why, size_t size)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return fail(why, size, "holds a control character");
    return 0;
}

int value_path(const char *s, char *why, size_t size)
{
    if (*s == '\0')
        return fail(why, size, "empty");
    return no_controls(s, why, size);
}

int value_abs_path(const char *s, char *why, size_t size)
{
    if (s[0] != '/')
        return fail(why, size, "not an absolute path (the daily run's working directory is "
                               "\"/\"): start it with '/'");
    return no_controls(s, why, size);
}

int value_socket_path(const char *s, char *why, size_t size)
{
    struct sockaddr_un sa;
    if (strlen(s) >= sizeof sa.sun_path) {
        snprintf(why, size, "longer than an AF_UNIX socket path may be (%zu bytes)",
                 sizeof sa.sun_path - 1);
        return -1;
    }
    return value_abs_path(s, why, size);
}

int value_text(const char *s, char *why, size_t size)
{
    size_t n = strlen(s);
    if (utf8_valid_prefix(s, n) != n)
        return fail(why, size, "not valid UTF-8");
    return no_controls(s, why, size);
}

int value_account(const char *s, char *why, size_t size)
{
    if (s[0] == '-')
        return fail(why, size, "a user or group name cannot start with '-'");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (!is_alnum(*p) && *p != '_' && *p != '.' && *p != '-' && !(*p == '$' && p[1] == '\0'))
            return fail(why, size, "not a user or group name (letters, digits, '_', '.', '-') "
                                   "or number");
    return 0;
}

int value_sendmail_command(const char *s, char *why, size_t size)
{
    const char *p = s + strspn(s, " \t");
    if (*p == '\0')
        return fail(why, size, "empty");
    if (*p != '/')
        return fail(why, size, "the command must be an absolute path, e.g. /usr/sbin/sendmail");
    if (strstr(s, "{rcpt}") == NULL)
        return fail(why, size, "must contain {rcpt}, where the recipient goes");
    return no_controls(s, why, size);
}

size_t value_edit_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return cap + 1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0], best = i;
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost =
                tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            size_t v = diag + cost;
            if (row[j] + 1 < v)
                v = row[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            if (v < best)
                best = v;
        }
        if (best > cap)
            return cap + 1;
    }
    return row[lb] > cap ? cap + 1 : row[lb];
}

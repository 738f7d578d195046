/* HTTPS POST with address pinning. */
#include "https.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/domain.h"
#include "reporter/send_stop.h"
#include "reporter/ssrf.h"

#ifndef TLSRPT_VERSION
#define TLSRPT_VERSION "dev"
#endif

struct https_client {
    CURL *curl;
    const struct config *cfg;
    struct dns_resolver *dns;
    struct buf body;
};

enum outcome https_status_outcome(long status)
{
    if (status >= 200 && status <= 299)
        return OUTCOME_SENT;
    if (status == 408 || status == 429 || (status >= 500 && status <= 599))
        return OUTCOME_TEMPFAIL;
    return OUTCOME_PERMFAIL;
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
    struct buf *b = arg;
    size_t n = size * nmemb;
    if (b->len < 300)
        buf_append(b, data, n < 300 - b->len ? n : 300 - b->len);
    return n; /* the rest is read and dropped */
}

/* libcurl calls this about once a second and more often during a transfer: a nonzero return
 * aborts it (CURLE_ABORTED_BY_CALLBACK) when the run was asked to stop. */
static int stop_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                   curl_off_t ulnow)
{
    (void)arg, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return send_stop_signal != 0;
}

struct https_client *https_client_new(const struct config *cfg, struct dns_resolver *dns)
{
    struct https_client *c = xcalloc(1, sizeof *c);
    c->cfg = cfg;
    c->dns = dns;
    c->curl = curl_easy_init();
    if (c->curl == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

void https_client_free(struct https_client *c)
{
    if (c == NULL)
        return;
    curl_easy_cleanup(c->curl);
    buf_free(&c->body);
    free(c);
}

/* Resolves host (unless a literal), applies the guard, and builds "host:port:a1,a2". Returns 0,
 * or -1 with res set. *resolve stays NULL for IP literals. */
static int pin_host(struct https_client *c, const char *host, long port,
                    struct curl_slist **resolve, struct attempt_result *res)
{
    char bare[300];
    size_t hl = strlen(host);
    int literal = 0;
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']' && hl - 2 < sizeof bare) {
        memcpy(bare, host + 1, hl - 2);
        bare[hl - 2] = '\0';
        literal = 1;
    } else if (bcopy_str(bare, sizeof bare, host) != 0) {
        attempt_set(res, OUTCOME_PERMFAIL, "host name too long");
        return -1;
    }
    struct dns_addr addrs[DNS_MAX_ADDRS];
    size_t n = 0;
    char err[256];
    enum dns_status s = dns_addr_lookup(c->dns, bare, addrs, DNS_MAX_ADDRS, &n, err, sizeof err);
    if (s == DNS_TEMPFAIL) {
        attempt_set(res, OUTCOME_TEMPFAIL, "cannot resolve %s: %s", bare, err);
        return -1;
    }
    if (s == DNS_NOT_FOUND) {
        attempt_set(res, OUTCOME_PERMFAIL, "cannot resolve %s: %s", bare, err);
        return -1;
    }
    struct buf pin = BUF_INIT;
    buf_printf(&pin, "%s:%ld:", bare, port);
    for (size_t i = 0; i < n; i++) {
        char text[INET6_ADDRSTRLEN];
        dns_addr_str(&addrs[i], text, sizeof text);
        const char *why = ssrf_classify(addrs[i].family, addrs[i].a);
        if (why != NULL && !c->cfg->allow_private_destinations) {
            attempt_set(res, OUTCOME_PERMFAIL,
                        "destination refused: host %s %s %s, which is %s "
                        "(allow_private_destinations = no)",
                        bare, strcmp(bare, text) == 0 ? "is" : "resolves to", text, why);
            buf_free(&pin);
            return -1;
        }
        buf_printf(&pin, "%s%s%s%s", i ? "," : "", addrs[i].family == AF_INET6 ? "[" : "", text,
                   addrs[i].family == AF_INET6 ? "]" : "");
    }
    unsigned char tmp[16];
    if (!literal && inet_pton(AF_INET, bare, tmp) == 1)
        literal = 1;
    if (!literal) /* libcurl never resolves an IP literal: nothing to pin */
        *resolve = curl_slist_append(NULL, pin.data);
    buf_free(&pin);
    return 0;
}

void https_client_post(struct https_client *c, const char *uri, const unsigned char *body,
                       size_t len, int dry_run, struct attempt_result *res)
{
    const struct config *cfg = c->cfg;
    CURL *h = c->curl;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    struct curl_slist *resolve = NULL, *headers = NULL;

    /* Parse once, with the parser libcurl connects with, and hand curl that very parse. */
    if (curl_url_set(u, CURLUPART_URL, uri, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        attempt_set(res, OUTCOME_PERMFAIL, "malformed https: URI");
        goto out;
    }
    if (strcmp(scheme, "https") != 0) {
        attempt_set(res, OUTCOME_PERMFAIL, "not an https: URI");
        goto out;
    }
    if (host[0] != '[') {
        /* IDN host names: connect to (and check) the A-label form */
        char norm[DOMAIN_MAX];
        const char *why;
        unsigned char tmp[4];
        if (inet_pton(AF_INET, host, tmp) != 1) {
            if (domain_normalize(host, strlen(host), norm, &why) != 0) {
                attempt_set(res, OUTCOME_PERMFAIL, "bad host name in URI: %s", why);
                goto out;
            }
            if (strcmp(norm, host) != 0) {
                curl_url_set(u, CURLUPART_HOST, norm, 0);
                curl_free(host);
                host = NULL;
                curl_url_get(u, CURLUPART_HOST, &host, 0);
            }
        }
    }
    if (pin_host(c, host, strtol(port, NULL, 10), &resolve, res) != 0)
        goto out;
    if (dry_run) { /* every check above is the real send's; only the POST is skipped */
        attempt_set(res, OUTCOME_SENT, "dry run: would POST %zu bytes to %s port %s", len, host,
                    port);
        goto out;
    }
    if (send_stop_signal) {
        attempt_set(res, OUTCOME_INTERRUPTED, "stopped by a signal before the POST");
        goto out;
    }

    buf_reset(&c->body);
    headers = curl_slist_append(headers, "Content-Type: application/tlsrpt+gzip");
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_reset(h); /* keeps connections */
    curl_easy_setopt(h, CURLOPT_CURLU, u);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "tlsrpt/" TLSRPT_VERSION);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cfg->https_ca_file[0] != '\0')
        curl_easy_setopt(h, CURLOPT_CAINFO, cfg->https_ca_file);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c->body);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, stop_cb);

    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
        attempt_set(res, OUTCOME_INTERRUPTED, "POST aborted: the run was stopped by a signal");
        goto out;
    }
    if (rc != CURLE_OK) {
        enum outcome o = rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL
                             ? OUTCOME_PERMFAIL
                             : OUTCOME_TEMPFAIL;
        attempt_set(res, o, "%s", curl_easy_strerror(rc));
        goto out;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    enum outcome o = https_status_outcome(status);
    const char *text = c->body.data ? c->body.data : "";
    if (status >= 300 && status <= 399)
        attempt_set(res, o, "HTTP %ld (redirects are not followed)", status);
    else
        attempt_set(res, o, "HTTP %ld%s%.200s", status, *text ? " " : "", text);
out:
    /* do not leave our pins or the URL handle behind in the reused easy handle */
    curl_easy_setopt(h, CURLOPT_RESOLVE, NULL);
    curl_easy_setopt(h, CURLOPT_CURLU, NULL);
    curl_slist_free_all(resolve);
    curl_slist_free_all(headers);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

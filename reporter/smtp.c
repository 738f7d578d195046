/* SMTP submission through libcurl. */
#include "smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/config_value.h"
#include "lib/log.h"
#include "reporter/send_stop.h"

struct smtp_client {
    CURL *curl;
    const struct config *cfg;
    char *password;
    char last_reply[512]; /* last line the server sent */
};

struct upload {
    const char *data;
    size_t len, pos;
};

static size_t read_cb(char *out, size_t size, size_t nmemb, void *arg)
{
    struct upload *u = arg;
    size_t room = size * nmemb, left = u->len - u->pos;
    size_t n = left < room ? left : room;
    memcpy(out, u->data + u->pos, n);
    u->pos += n;
    return n;
}

/* Keeps the last reply line of the server (CURLINFO_HEADER_IN carries SMTP responses). */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
    (void)h;
    struct smtp_client *c = arg;
    if (type != CURLINFO_HEADER_IN)
        return 0;
    while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
        size--;
    if (size > sizeof c->last_reply - 1)
        size = sizeof c->last_reply - 1;
    memcpy(c->last_reply, data, size);
    c->last_reply[size] = '\0';
    return 0;
}

/* A nonzero return aborts the transfer when the run was asked to stop (send_stop.h). */
static int stop_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                   curl_off_t ulnow)
{
    (void)arg, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return send_stop_signal != 0;
}

static char *read_password(const char *path, char *err, size_t errsize)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        snprintf(err, errsize, "[delivery] smtp_password_file %s: cannot open", path);
        return NULL;
    }
    char line[1024];
    if (fgets(line, sizeof line, fp) == NULL)
        line[0] = '\0';
    fclose(fp);
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0') {
        snprintf(err, errsize, "[delivery] smtp_password_file %s: empty", path);
        return NULL;
    }
    return xstrdup(line);
}

struct smtp_client *smtp_client_new(const struct config *cfg, char *err, size_t errsize)
{
    char bad[400];
    if (value_smtp_url(cfg->smtp_url, bad, sizeof bad) != 0) {
        snprintf(err, errsize, "[delivery] smtp_url: \"%s\": %s", cfg->smtp_url, bad);
        return NULL;
    }
    struct smtp_client *c = xcalloc(1, sizeof *c);
    c->cfg = cfg;
    if (cfg->smtp_user[0] != '\0') {
        if (cfg->smtp_password_file[0] == '\0') {
            snprintf(err, errsize, "[delivery] smtp_user is set but smtp_password_file is not");
            free(c);
            return NULL;
        }
        c->password = read_password(cfg->smtp_password_file, err, errsize);
        if (c->password == NULL) {
            free(c);
            return NULL;
        }
    }
    c->curl = curl_easy_init();
    if (c->curl == NULL) {
        snprintf(err, errsize, "curl_easy_init failed");
        smtp_client_free(c);
        return NULL;
    }
    return c;
}

void smtp_client_send(struct smtp_client *c, const char *from, const char *rcpt, const char *msg,
                      size_t len, struct attempt_result *res)
{
    const struct config *cfg = c->cfg;
    CURL *h = c->curl;
    struct upload up = {msg, len, 0};
    struct curl_slist *rcpts = NULL;
    /* a legal address is up to 64 + 1 + 253 bytes: sized by the buffer, never cut */
    struct buf mail_from = BUF_INIT, rcpt_to = BUF_INIT;
    buf_printf(&mail_from, "<%s>", from);
    buf_printf(&rcpt_to, "<%s>", rcpt);
    rcpts = curl_slist_append(rcpts, rcpt_to.data);
    buf_free(&rcpt_to);
    c->last_reply[0] = '\0';

    curl_easy_reset(h); /* keeps the connection to the relay */
    curl_easy_setopt(h, CURLOPT_URL, cfg->smtp_url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.data);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
    /* After a failed transfer libcurl still sends QUIT and waits for its reply, and that wait
     * ignores CURLOPT_TIMEOUT: it is bounded by this (120 s by default), per connection. A
     * relay that stalls would hold the run for two minutes per message without it. */
    curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT,
                     (long)(cfg->timeout_ms + 999) / 1000);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, c);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, stop_cb);
    if (cfg->smtp_ca_file[0] != '\0')
        curl_easy_setopt(h, CURLOPT_CAINFO, cfg->smtp_ca_file);

    int smtps = strncmp(cfg->smtp_url, "smtps://", 8) == 0;
    if (smtps || strcmp(cfg->smtp_starttls, "required") == 0) {
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    } else if (strcmp(cfg->smtp_starttls, "try") == 0) {
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else {
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_NONE);
    }
    if (c->password != NULL) {
        curl_easy_setopt(h, CURLOPT_USERNAME, cfg->smtp_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
    }

    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpts);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, NULL);
    buf_free(&mail_from);

    if (rc == CURLE_ABORTED_BY_CALLBACK) {
        attempt_set(res, OUTCOME_INTERRUPTED, "relay %s: aborted, the run was stopped by a signal",
                    cfg->smtp_url);
        return;
    }
    if (rc == CURLE_OK) {
        attempt_set(res, OUTCOME_SENT, "%s", c->last_reply[0] ? c->last_reply : "250");
        return;
    }
    const char *why = curl_easy_strerror(rc);
    if (rc == CURLE_LOGIN_DENIED) {
        log_error("smtp relay refused our credentials url=%s user=%s reply=\"%s\"", cfg->smtp_url,
                  cfg->smtp_user, c->last_reply);
        attempt_set(res, OUTCOME_TEMPFAIL, "relay AUTH failed: %s", c->last_reply);
    } else if (code >= 500 && code <= 599) {
        attempt_set(res, OUTCOME_PERMFAIL, "%s", c->last_reply[0] ? c->last_reply : why);
    } else if (code >= 400 && code <= 499) {
        attempt_set(res, OUTCOME_TEMPFAIL, "%s", c->last_reply[0] ? c->last_reply : why);
    } else if (rc == CURLE_USE_SSL_FAILED) {
        attempt_set(res, OUTCOME_TEMPFAIL, "relay %s does not offer STARTTLS (smtp_starttls = "
                    "required)", cfg->smtp_url);
    } else {
        attempt_set(res, OUTCOME_TEMPFAIL, "relay %s: %s", cfg->smtp_url, why);
    }
}

void smtp_client_free(struct smtp_client *c)
{
    if (c == NULL)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    if (c->password) {
        explicit_bzero(c->password, strlen(c->password));
        free(c->password);
    }
    free(c);
}

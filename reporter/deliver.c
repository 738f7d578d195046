/* One delivery attempt. */
#include "deliver.h"

#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "reporter/https.h"
#include "reporter/mime.h"
#include "reporter/outbox.h"
#include "reporter/send_stop.h"
#include "reporter/sendmail.h"
#include "reporter/smtp.h"

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int deliver_ctx_init(struct deliver_ctx *c, const struct config *cfg, struct dkim_signer *signer,
                     char *err, size_t errsize)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->signer = signer;
    c->dns = dns_resolver_new(cfg->dns_servers, cfg->connect_timeout_ms, err, errsize);
    if (c->dns == NULL)
        return -1;
    if (strcmp(cfg->transport, "smtp") == 0) {
        c->smtp = smtp_client_new(cfg, err, errsize);
        if (c->smtp == NULL) {
            deliver_ctx_free(c);
            return -1;
        }
    }
    c->https = https_client_new(cfg, c->dns);
    if (c->https == NULL) {
        snprintf(err, errsize, "cannot create an HTTPS client");
        deliver_ctx_free(c);
        return -1;
    }
    return 0;
}

void deliver_ctx_free(struct deliver_ctx *c)
{
    https_client_free(c->https);
    smtp_client_free(c->smtp);
    dns_resolver_free(c->dns);
    memset(c, 0, sizeof *c);
}

long deliver_lease_seconds(const struct deliver_ctx *c)
{
    const struct config *cfg = c->cfg;
    /* https: A and AAAA lookups, then the POST (timeout covers connect and transfer); smtp:
     * the transfer, then the QUIT after a failure, each bounded by timeout; sendmail: timeout.
     * A minute more for building, signing, the outbox's fsync and waiting for the database. */
    long ms = 2 * dns_resolver_max_ms(c->dns) + 2 * cfg->timeout_ms + 60000;
    long lease = (ms + 999) / 1000, retry = cfg->retry_initial_ms / 1000;
    return lease > retry ? lease : retry;
}

const char *deliver_transport(const struct config *cfg, const struct rua_entry *e)
{
    return e->kind == RUA_HTTPS ? "https" : cfg->transport;
}

void deliver_outbox_report(const struct config *cfg, const struct report_item *r,
                           const unsigned char *gz, size_t gzlen)
{
    if (cfg->outbox[0] == '\0')
        return;
    char path[4096], err[512], name[OUTBOX_NAME_MAX + 1];
    outbox_report_name(r->filename, name, sizeof name);
    if (outbox_write(cfg->outbox, name, gz, gzlen, path, sizeof path, err, sizeof err) != 0)
        log_warn("outbox write failed id=%s error=\"%s\"", r->report_id, err);
}

static void deliver_mail(struct deliver_ctx *c, const struct report_item *r,
                         const unsigned char *gz, size_t gzlen, const struct rua_entry *e,
                         time_t now, int dry_run, struct attempt_result *res)
{
    const struct config *cfg = c->cfg;
    char err[512];
    if (c->signer == NULL) {
        attempt_set(res, OUTCOME_TEMPFAIL, "no usable DKIM key: mail reports are not sent");
        return;
    }
    double t0 = mono();
    struct mime_report m = {
        .from = cfg->from, .to = e->addr, .policy_domain = r->policy_domain,
        .submitter = cfg->submitter, .report_id = r->report_id,
        .organization = cfg->organization_name, .day = r->day, .filename = r->filename,
        .successful = r->successful, .failed = r->failed, .gzip = gz, .gzip_len = gzlen,
        .date = now,
    };
    struct buf body = BUF_INIT, msg = BUF_INIT;
    if (mime_build(&m, &body, err, sizeof err) != 0) {
        attempt_set(res, OUTCOME_PERMFAIL, "cannot build the message: %s", err);
        goto out;
    }
    if (dkim_signer_sign(c->signer, body.data, body.len, &msg, err, sizeof err) != 0) {
        attempt_set(res, OUTCOME_TEMPFAIL, "DKIM signing failed: %s", err);
        goto out;
    }
    buf_append(&msg, body.data, body.len);
    double t1 = mono();
    c->sign_seconds += t1 - t0;
    char name[OUTBOX_NAME_MAX + 1];
    outbox_eml_name(r->filename, e->addr, name, sizeof name);
    if (dry_run) {
        attempt_set(res, OUTCOME_SENT, "dry run: signed message of %zu bytes%s%s", msg.len,
                    cfg->outbox[0] ? ", outbox file " : "", cfg->outbox[0] ? name : "");
        goto out;
    }
    if (send_stop_signal) {
        attempt_set(res, OUTCOME_INTERRUPTED, "stopped by a signal before the transfer");
        goto out;
    }

    char path[4096] = "";
    if (cfg->outbox[0] != '\0') {
        if (outbox_write(cfg->outbox, name, msg.data, msg.len, path, sizeof path, err,
                         sizeof err) != 0) {
            log_warn("outbox write failed id=%s error=\"%s\"", r->report_id, err);
            path[0] = '\0';
        }
    }
    if (strcmp(cfg->transport, "outbox") == 0) {
        if (path[0])
            attempt_set(res, OUTCOME_SENT, "written to the outbox: %s", path);
        else if (cfg->outbox[0] == '\0')
            attempt_set(res, OUTCOME_TEMPFAIL, "transport = outbox but [delivery] outbox is not set");
        else
            attempt_set(res, OUTCOME_TEMPFAIL, "outbox write failed: %s", err);
    } else if (strcmp(cfg->transport, "sendmail") == 0) {
        sendmail_send(cfg, cfg->from, e->addr, msg.data, msg.len, res);
    } else {
        smtp_client_send(c->smtp, cfg->from, e->addr, msg.data, msg.len, res);
    }
    c->net_seconds += mono() - t1;
out:
    buf_free(&body);
    buf_free(&msg);
}

void deliver_one(struct deliver_ctx *c, const struct report_item *r, const unsigned char *gz,
                 size_t gzlen, const struct rua_entry *e, time_t now, int dry_run,
                 struct attempt_result *res)
{
    if (e->kind == RUA_MAILTO) {
        deliver_mail(c, r, gz, gzlen, e, now, dry_run, res);
    } else if (e->kind == RUA_HTTPS) {
        double t0 = mono();
        https_client_post(c->https, e->uri, gz, gzlen, dry_run, res);
        c->net_seconds += mono() - t0;
    } else {
        attempt_set(res, OUTCOME_PERMFAIL, "%s", e->error);
    }
}

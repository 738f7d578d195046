/* Export lines: written with jansson, read back with strict checks. */
#include "exchange.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/detail_field.h"
#include "lib/domain.h"
#include "lib/helo.h"
#include "lib/policy_type.h"
#include "lib/result_type.h"

#define COUNT_MAX EXCHANGE_COUNT_MAX

int exchange_source_valid(const char *source)
{
    size_t n = strlen(source);
    if (n == 0 || n >= EXCHANGE_SOURCE_MAX)
        return -1;
    for (const char *p = source; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-' || *p == '_'))
            return -1;
    return 0;
}

static char *dump_line(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

char *exchange_header_line(int version, const char *source, time_t day_start,
                           time_t exported_at)
{
    char day[16], at[32];
    return dump_line(json_pack("{s:s, s:i, s:s, s:s, s:s}", "type", "tlsrpt-export", "version",
                               version, "source", source, "day",
                               day_format(day_start, day), "exported-at",
                               rfc3339_format(exported_at, at)));
}

char *exchange_end_line(long long rows)
{
    return dump_line(json_pack("{s:s, s:I}", "type", "end", "rows", (json_int_t)rows));
}

char *exchange_counts_line(const char *source, const struct counter_key *k, long long successful,
                           long long failed, const struct exchange_detail *details,
                           size_t ndetails)
{
    char hour[32];
    json_t *strings = json_loads(k->strings_json, 0, NULL);
    json_t *mx = json_loads(k->mx_json, 0, NULL);
    if (!json_is_array(strings) || !json_is_array(mx)) {
        json_decref(strings);
        json_decref(mx);
        return NULL;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < ndetails; i++) {
        json_t *d = json_pack("{s:s}", "result-type", details[i].result_type);
        for (int f = 0; f < DF_COUNT; f++)
            if (details[i].field[f] && details[i].field[f][0])
                json_object_set_new(d, detail_fields[f].rfc_name,
                                    json_string(details[i].field[f]));
        json_object_set_new(d, "count", json_integer(details[i].count));
        json_array_append_new(list, d);
    }
    json_t *policy = json_pack("{s:s, s:s, s:o, s:o}", "policy-type", k->policy_type,
                               "policy-domain", k->policy_domain, "policy-string", strings,
                               "mx-host", mx);
    return dump_line(json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:o}", "type", "counts",
                               "source", source, "hour", rfc3339_format((time_t)k->hour, hour),
                               "report-domain", k->report_domain, "record", k->record, "policy",
                               policy, "successful", (json_int_t)successful, "failed",
                               (json_int_t)failed, "failure-details", list));
}

void exchange_reader_init(struct exchange_reader *r)
{
    memset(r, 0, sizeof *r);
}

static int fail(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return -1;
}

/* A member that must be a string; NULL when it is not. */
static const char *str_member(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A member that must be an integer in [min, COUNT_MAX]; -1 when it is not. */
static int count_member(json_t *o, const char *key, long long min, long long *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > COUNT_MAX)
        return -1;
    *out = json_integer_value(v);
    return 0;
}

/* A JSON array of strings as the compact text the collector stores. */
static char *strings_text(json_t *v)
{
    size_t i;
    json_t *s;
    if (!json_is_array(v))
        return NULL;
    json_array_foreach(v, i, s) {
        if (!json_is_string(s))
            return NULL;
    }
    return json_dumps(v, JSON_COMPACT);
}

int exchange_policy_read(json_t *policy, struct exchange_policy *p, char *err, size_t errsize)
{
    memset(p, 0, sizeof *p);
    p->type = str_member(policy, "policy-type");
    p->domain = str_member(policy, "policy-domain");
    if (p->type == NULL || policy_type_code(p->type) < 0)
        return fail(err, errsize, "unknown policy-type");
    if (p->domain == NULL)
        return fail(err, errsize, "no policy-domain");
    char norm[DOMAIN_MAX];
    const char *why;
    if (domain_normalize(p->domain, strlen(p->domain), norm, &why) != 0 ||
        strcmp(norm, p->domain) != 0)
        return fail(err, errsize, "policy-domain is not a normalised domain name");
    p->strings_json = strings_text(json_object_get(policy, "policy-string"));
    p->mx_json = strings_text(json_object_get(policy, "mx-host"));
    if (p->strings_json == NULL || p->mx_json == NULL) {
        exchange_policy_free(p);
        return fail(err, errsize, "policy-string and mx-host must be arrays of strings");
    }
    return 0;
}

void exchange_policy_free(struct exchange_policy *p)
{
    free(p->strings_json);
    free(p->mx_json);
    p->strings_json = p->mx_json = NULL;
}

int exchange_detail_check(json_t *d, long long *count, char *err, size_t errsize)
{
    const char *type = str_member(d, "result-type");
    if (type == NULL || result_type_code(type) < 0)
        return fail(err, errsize, "unknown result-type");
    if (count != NULL && count_member(d, "count", 1, count) != 0)
        return fail(err, errsize, "count must be 1 or more");
    for (int f = 0; f < DF_COUNT; f++) {
        json_t *v = json_object_get(d, detail_fields[f].rfc_name);
        if (v != NULL && !json_is_string(v))
            return fail(err, errsize, "%s is not a string", detail_fields[f].rfc_name);
        if (v != NULL && f == DF_RECEIVING_MX_HELO) {
            /* A whole EHLO reply (files from before the collector kept the host name). */
            size_t start, hn = helo_host(json_string_value(v), json_string_length(v), &start);
            if (hn != json_string_length(v))
                json_string_setn(v, json_string_value(v) + start, hn);
        }
    }
    return 0;
}

int exchange_check_row(const char *report_domain, char *err, size_t errsize)
{
    char norm[DOMAIN_MAX];
    const char *why;
    if (report_domain == NULL ||
        domain_normalize(report_domain, strlen(report_domain), norm, &why) != 0 ||
        strcmp(norm, report_domain) != 0)
        return fail(err, errsize, "report-domain is not a normalised domain name");
    return 0;
}

int exchange_check_hour(const struct exchange_reader *r, time_t t, char *err, size_t errsize)
{
    if (t != hour_floor(t) || t < r->day_start || t >= r->day_start + SECONDS_PER_DAY)
        return fail(err, errsize, "hour is not the start of an hour of the header's day");
    return 0;
}

int exchange_add_sessions(struct exchange_reader *r, long long successful, long long failed,
                          char *err, size_t errsize)
{
    if (successful < 0 || failed < 0 || successful > COUNT_MAX || failed > COUNT_MAX)
        return fail(err, errsize, "successful and failed must be counts");
    if (successful + failed > COUNT_MAX - r->sessions)
        return fail(err, errsize, "the file's sessions add up to more than %lld", COUNT_MAX);
    r->sessions += successful + failed;
    return 0;
}

int exchange_add_detail_count(struct exchange_reader *r, long long n, char *err, size_t errsize)
{
    if (n < 1 || n > COUNT_MAX)
        return fail(err, errsize, "count must be 1 or more");
    if (n > COUNT_MAX - r->detail_counts)
        return fail(err, errsize, "the file's failure-detail counts add up to more than %lld",
                    COUNT_MAX);
    r->detail_counts += n;
    return 0;
}

static int read_header(struct exchange_reader *r, json_t *o, char *err, size_t errsize)
{
    const char *source = str_member(o, "source"), *day = str_member(o, "day");
    json_t *version = json_object_get(o, "version");
    if (r->have_header)
        return fail(err, errsize, "a second header");
    if (!json_is_integer(version) || (json_integer_value(version) != EXCHANGE_VERSION_JSONL &&
                                      json_integer_value(version) != EXCHANGE_VERSION_COMPACT))
        return fail(err, errsize, "unsupported export version (this tlsrpt reads versions %d "
                                  "and %d)", EXCHANGE_VERSION_JSONL, EXCHANGE_VERSION_COMPACT);
    if (source == NULL || source[0] == '\0')
        return fail(err, errsize, "the file claims the local source \"\"; only counters of "
                                  "another host can be imported");
    if (exchange_source_valid(source) != 0)
        return fail(err, errsize, "bad source name");
    if (day == NULL || day_parse(day, &r->day_start) != 0)
        return fail(err, errsize, "bad day");
    bcopy_str(r->source, sizeof r->source, source);
    r->version = (int)json_integer_value(version);
    r->have_header = 1;
    return 0;
}

static int read_counts(struct exchange_reader *r, json_t *o, struct counters *c, char *err,
                       size_t errsize)
{
    struct counter_key k;
    memset(&k, 0, sizeof k);
    const char *source = str_member(o, "source"), *hour = str_member(o, "hour");
    json_t *details = json_object_get(o, "failure-details");
    struct exchange_policy p;
    long long ok, failed;
    time_t t;
    char derr[256];
    int rc = -1;

    if (source == NULL || strcmp(source, r->source) != 0)
        return fail(err, errsize, "source differs from the header's \"%s\"", r->source);
    if (hour == NULL || rfc3339_parse(hour, &t) != 0)
        return fail(err, errsize, "hour is not the start of an hour of the header's day");
    if (exchange_check_hour(r, t, err, errsize) != 0)
        return -1;
    k.hour = t;
    k.report_domain = str_member(o, "report-domain");
    k.record = str_member(o, "record");
    if (k.report_domain == NULL)
        return fail(err, errsize, "report-domain is not a normalised domain name");
    if (k.record == NULL || k.record[0] == '\0')
        return fail(err, errsize, "no record");
    if (exchange_policy_read(json_object_get(o, "policy"), &p, err, errsize) != 0)
        return -1;
    if (exchange_check_row(k.report_domain, err, errsize) != 0)
        goto out;
    k.policy_type = p.type;
    k.policy_domain = p.domain;
    k.strings_json = p.strings_json;
    k.mx_json = p.mx_json;
    if (count_member(o, "successful", 0, &ok) != 0 || count_member(o, "failed", 0, &failed) != 0) {
        fail(err, errsize, "successful and failed must be counts");
        goto out;
    }
    if (!json_is_array(details)) {
        fail(err, errsize, "failure-details is not an array");
        goto out;
    }
    /* Check every detail and the totals before adding anything: a line is taken whole or not
     * at all. */
    struct exchange_reader totals = *r;
    if (exchange_add_sessions(&totals, ok, failed, err, errsize) != 0)
        goto out;
    size_t i;
    json_t *d;
    json_array_foreach(details, i, d) {
        long long n;
        if (exchange_detail_check(d, &n, derr, sizeof derr) != 0) {
            fail(err, errsize, "failure-details[%zu]: %s", i, derr);
            goto out;
        }
        if (exchange_add_detail_count(&totals, n, err, errsize) != 0)
            goto out;
    }
    counters_add_session_counts(c, &k, ok, failed);
    json_array_foreach(details, i, d) {
        long long n;
        k.result_type = str_member(d, "result-type");
        for (int f = 0; f < DF_COUNT; f++) {
            const char *v = str_member(d, detail_fields[f].rfc_name);
            k.field[f] = v ? v : "";
        }
        count_member(d, "count", 1, &n);
        counters_add_detail_count(c, &k, n);
        totals.details++;
    }
    totals.rows++;
    *r = totals;
    rc = 0;
out:
    exchange_policy_free(&p);
    return rc;
}

int exchange_read_line(struct exchange_reader *r, const char *line, size_t len,
                       struct counters *c, char *err, size_t errsize)
{
    json_error_t jerr;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc;
    if (!json_is_object(o)) {
        json_decref(o);
        return fail(err, errsize, "not a JSON object%s%s", o ? "" : ": ", o ? "" : jerr.text);
    }
    const char *type = str_member(o, "type");
    if (r->have_end)
        rc = fail(err, errsize, "a line after the end line");
    else if (r->have_header && r->version != EXCHANGE_VERSION_JSONL)
        rc = fail(err, errsize, "a compact export's line read as a JSON line");
    else if (type == NULL)
        rc = fail(err, errsize, "no \"type\"");
    else if (strcmp(type, "tlsrpt-export") == 0)
        rc = read_header(r, o, err, errsize);
    else if (!r->have_header)
        rc = fail(err, errsize, "no tlsrpt-export header before this line");
    else if (strcmp(type, "counts") == 0)
        rc = read_counts(r, o, c, err, errsize);
    else if (strcmp(type, "end") == 0) {
        long long rows;
        if (count_member(o, "rows", 0, &rows) != 0 || rows != r->rows)
            rc = fail(err, errsize, "the end line counts %lld rows, the file has %lld",
                      (long long)json_integer_value(json_object_get(o, "rows")), r->rows);
        else {
            r->have_end = 1;
            rc = 0;
        }
    } else
        rc = fail(err, errsize, "unknown type \"%s\"", type);
    json_decref(o);
    return rc;
}

int exchange_read_end(const struct exchange_reader *r, char *err, size_t errsize)
{
    if (!r->have_header)
        return fail(err, errsize, "not a tlsrpt export (no header)");
    if (!r->have_end)
        return fail(err, errsize, "truncated: no end line after %lld rows", r->rows);
    return 0;
}

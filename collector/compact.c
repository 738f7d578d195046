/* The compact export format: lines built by hand (they are most of a day's file, so no JSON
 * library per count line), definitions read back with jansson and the shared checks. */
#include "compact.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/policy_type.h"

/* --- writing ---------------------------------------------------------------------------- */

/* s as a JSON string. The database holds valid UTF-8 (the collector repairs it); anything
 * else makes the importer refuse the file rather than store something else. */
static void put_json_string(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    buf_putc(b, '"');
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_append(b, run, (size_t)(s - run));
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            buf_append(b, e, 2);
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_append(b, e, 6);
        }
        run = s + 1;
    }
    buf_append(b, run, (size_t)(s - run));
    buf_putc(b, '"');
}

void compact_put_record(struct buf *b, const char *record)
{
    buf_append(b, "r ", 2);
    put_json_string(b, record);
    buf_putc(b, '\n');
}

static int is_json_array(const char *s)
{
    size_t n = strlen(s);
    return n >= 2 && s[0] == '[' && s[n - 1] == ']';
}

int compact_put_policy(struct buf *b, const char *type, const char *policy_domain,
                       const char *strings_json, const char *mx_json)
{
    if (!is_json_array(strings_json) || !is_json_array(mx_json))
        return -1;
    buf_puts(b, "p {\"policy-type\":");
    put_json_string(b, type);
    buf_puts(b, ",\"policy-domain\":");
    put_json_string(b, policy_domain);
    buf_puts(b, ",\"policy-string\":");
    buf_puts(b, strings_json);
    buf_puts(b, ",\"mx-host\":");
    buf_puts(b, mx_json);
    buf_puts(b, "}\n");
    return 0;
}

void compact_put_detail(struct buf *b, const char *result_type, const char *const field[DF_COUNT])
{
    buf_puts(b, "d {\"result-type\":");
    put_json_string(b, result_type);
    for (int f = 0; f < DF_COUNT; f++) {
        if (field[f] == NULL || field[f][0] == '\0')
            continue;
        buf_printf(b, ",\"%s\":", detail_fields[f].rfc_name);
        put_json_string(b, field[f]);
    }
    buf_puts(b, "}\n");
}

/* Decimal digits of a non-negative number, without printf (millions of lines). */
static void put_num(struct buf *b, char sep, long long v)
{
    char tmp[24];
    int i = sizeof tmp;
    unsigned long long u = (unsigned long long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    tmp[--i] = sep;
    buf_append(b, tmp + i, sizeof tmp - (size_t)i);
}

void compact_put_key(struct buf *b, size_t record, size_t policy, const char *report_domain)
{
    buf_putc(b, 'k');
    put_num(b, ' ', (long long)record);
    put_num(b, ' ', (long long)policy);
    buf_putc(b, ' ');
    put_json_string(b, report_domain);
    buf_putc(b, '\n');
}

void compact_put_sessions(struct buf *b, int hour, long long successful, long long failed)
{
    buf_putc(b, 's');
    put_num(b, ' ', hour);
    put_num(b, ' ', successful);
    put_num(b, ' ', failed);
    buf_putc(b, '\n');
}

void compact_put_failures(struct buf *b, int hour, size_t detail, long long count)
{
    buf_putc(b, 'f');
    put_num(b, ' ', hour);
    put_num(b, ' ', (long long)detail);
    put_num(b, ' ', count);
    buf_putc(b, '\n');
}

void compact_put_end(struct buf *b, long long s_lines, long long f_lines, long long sessions,
                     long long detail_counts)
{
    buf_putc(b, 'e');
    put_num(b, ' ', s_lines);
    put_num(b, ' ', f_lines);
    put_num(b, ' ', sessions);
    put_num(b, ' ', detail_counts);
    buf_putc(b, '\n');
}

/* --- reading ---------------------------------------------------------------------------- */

void compact_reader_init(struct compact_reader *cr, struct exchange_reader *r)
{
    memset(cr, 0, sizeof *cr);
    cr->r = r;
}


void compact_event_free(struct compact_event *ev)
{
    exchange_policy_free(&ev->policy);
    json_decref(ev->json);
    ev->json = NULL;
}

static int fail(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return -1;
}

/* A number in [0, max] at *p, followed by one space (more follows) or the end of the line
 * (last). Advances *p. */
static int take_num(const char **p, const char *end, long long max, int last, long long *out)
{
    const char *s = *p;
    long long v = 0;
    if (max < 0 || s == end || *s < '0' || *s > '9' || (*s == '0' && s + 1 < end && s[1] >= '0' && s[1] <= '9'))
        return -1;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        if (v > (max - (*s - '0')) / 10)
            return -1;
        v = v * 10 + (*s - '0');
    }
    if (v > max || (last ? s != end : (s == end || *s != ' ')))
        return -1;
    *p = last ? s : s + 1;
    *out = v;
    return 0;
}

/* The JSON value after the tag: of the given type, the whole rest of the line. */
static json_t *take_json(const char *p, const char *end, int want_object, char *err,
                         size_t errsize)
{
    json_error_t jerr;
    json_t *v = json_loadb(p, (size_t)(end - p), JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL) {
        fail(err, errsize, "bad JSON: %s", jerr.text);
        return NULL;
    }
    if (want_object ? !json_is_object(v) : !json_is_string(v)) {
        json_decref(v);
        fail(err, errsize, "not a JSON %s", want_object ? "object" : "string");
        return NULL;
    }
    return v;
}

static int read_record(struct compact_reader *cr, const char *p, const char *end,
                       struct compact_event *ev, char *err, size_t errsize)
{
    if ((ev->json = take_json(p, end, 0, err, errsize)) == NULL)
        return -1;
    ev->record = json_string_value(ev->json);
    if (ev->record[0] == '\0')
        return fail(err, errsize, "no record");
    ev->kind = COMPACT_RECORD;
    ev->index = cr->records++;
    return 0;
}

static int read_policy(struct compact_reader *cr, const char *p, const char *end,
                       struct compact_event *ev, char *err, size_t errsize)
{
    if ((ev->json = take_json(p, end, 1, err, errsize)) == NULL ||
        exchange_policy_read(ev->json, &ev->policy, err, errsize) != 0)
        return -1;
    ev->kind = COMPACT_POLICY;
    ev->index = cr->policies++;
    return 0;
}

static int read_detail(struct compact_reader *cr, const char *p, const char *end,
                       struct compact_event *ev, char *err, size_t errsize)
{
    if ((ev->json = take_json(p, end, 1, err, errsize)) == NULL ||
        exchange_detail_check(ev->json, NULL, err, errsize) != 0)
        return -1;
    if (json_object_get(ev->json, "count") != NULL)
        return fail(err, errsize, "a detail definition has no count");
    ev->result_type = json_string_value(json_object_get(ev->json, "result-type"));
    for (int f = 0; f < DF_COUNT; f++) {
        const char *v = json_string_value(json_object_get(ev->json, detail_fields[f].rfc_name));
        ev->field[f] = v ? v : "";
    }
    ev->kind = COMPACT_DETAIL;
    ev->index = cr->details++;
    return 0;
}

static int read_key(struct compact_reader *cr, const char *p, const char *end,
                    struct compact_event *ev, char *err, size_t errsize)
{
    long long rec, pol;
    if (take_num(&p, end, (long long)cr->records - 1, 0, &rec) != 0)
        return fail(err, errsize, "k: not the number of a record defined above");
    if (take_num(&p, end, (long long)cr->policies - 1, 0, &pol) != 0)
        return fail(err, errsize, "k: not the number of a policy defined above");
    if ((ev->json = take_json(p, end, 0, err, errsize)) == NULL)
        return -1;
    ev->report_domain = json_string_value(ev->json);
    if (exchange_check_row(ev->report_domain, err, errsize) != 0)
        return -1;
    ev->kind = COMPACT_KEY;
    ev->record_index = (size_t)rec;
    ev->policy_index = (size_t)pol;
    cr->have_key = 1;
    return 0;
}

static int read_counts(struct compact_reader *cr, char tag, const char *p, const char *end,
                       struct compact_event *ev, char *err, size_t errsize)
{
    struct exchange_reader *r = cr->r;
    long long hour, a, b;
    if (!cr->have_key)
        return fail(err, errsize, "%c: no k line above", tag);
    if (take_num(&p, end, 23, 0, &hour) != 0)
        return fail(err, errsize, "%c: the hour is not 0 to 23", tag);
    ev->hour = r->day_start + hour * SECONDS_PER_HOUR;
    if (exchange_check_hour(r, (time_t)ev->hour, err, errsize) != 0)
        return -1;
    if (tag == 's') {
        if (take_num(&p, end, EXCHANGE_COUNT_MAX, 0, &a) != 0 ||
            take_num(&p, end, EXCHANGE_COUNT_MAX, 1, &b) != 0)
            return fail(err, errsize, "successful and failed must be counts");
        if (exchange_add_sessions(r, a, b, err, errsize) != 0)
            return -1;
        ev->kind = COMPACT_SESSIONS;
        ev->successful = a;
        ev->failed = b;
        r->rows++;
        return 0;
    }
    if (take_num(&p, end, (long long)cr->details - 1, 0, &a) != 0)
        return fail(err, errsize, "f: not the number of a failure detail defined above");
    if (take_num(&p, end, EXCHANGE_COUNT_MAX, 1, &b) != 0 ||
        exchange_add_detail_count(r, b, err, errsize) != 0)
        return fail(err, errsize, "f: count must be 1 or more (file total at most %lld)",
                    EXCHANGE_COUNT_MAX);
    ev->kind = COMPACT_FAILURES;
    ev->detail_index = (size_t)a;
    ev->count = b;
    r->details++;
    cr->f_lines++;
    return 0;
}

static int read_end(struct compact_reader *cr, const char *p, const char *end,
                    struct compact_event *ev, char *err, size_t errsize)
{
    struct exchange_reader *r = cr->r;
    long long s, f, sessions, details;
    if (take_num(&p, end, EXCHANGE_COUNT_MAX, 0, &s) != 0 ||
        take_num(&p, end, EXCHANGE_COUNT_MAX, 0, &f) != 0 ||
        take_num(&p, end, EXCHANGE_COUNT_MAX, 0, &sessions) != 0 ||
        take_num(&p, end, EXCHANGE_COUNT_MAX, 1, &details) != 0)
        return fail(err, errsize, "e: four counts expected");
    if (s != r->rows || f != cr->f_lines || sessions != r->sessions ||
        details != r->detail_counts)
        return fail(err, errsize, "the end line counts %lld s lines, %lld f lines, %lld "
                                  "sessions, %lld detail counts; the file has %lld, %lld, %lld, "
                                  "%lld", s, f, sessions, details, r->rows, cr->f_lines,
                    r->sessions, r->detail_counts);
    ev->kind = COMPACT_END;
    r->have_end = 1;
    return 0;
}

int compact_read_line(struct compact_reader *cr, const char *line, size_t len,
                      struct compact_event *ev, char *err, size_t errsize)
{
    const char *end = line + len, *p = line + 2;
    int rc;
    memset(ev, 0, sizeof *ev);
    if (cr->r->have_end)
        return fail(err, errsize, "a line after the end line");
    if (len < 3 || line[1] != ' ')
        return fail(err, errsize, "not a line of a compact export");
    switch (line[0]) {
    case 'r': rc = read_record(cr, p, end, ev, err, errsize); break;
    case 'p': rc = read_policy(cr, p, end, ev, err, errsize); break;
    case 'd': rc = read_detail(cr, p, end, ev, err, errsize); break;
    case 'k': rc = read_key(cr, p, end, ev, err, errsize); break;
    case 's':
    case 'f': rc = read_counts(cr, line[0], p, end, ev, err, errsize); break;
    case 'e': rc = read_end(cr, p, end, ev, err, errsize); break;
    default: rc = fail(err, errsize, "unknown line tag '%c'", line[0]);
    }
    if (rc != 0)
        compact_event_free(ev);
    return rc;
}

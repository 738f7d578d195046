/* Clock override and UTC date conversions. */
#include "clock.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int clock_fixed;
static time_t clock_value;

time_t clock_now(void)
{
    return clock_fixed ? clock_value : time(NULL);
}

time_t clock_real(void)
{
    return time(NULL);
}

void clock_set_now(time_t t)
{
    clock_fixed = 1;
    clock_value = t;
}

int clock_is_fixed(void)
{
    return clock_fixed;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

static int parse_date(const char *s, struct tm *tm)
{
    int y, m, d;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' ||
        digits(s + 8, 2, &d))
        return -1;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    memset(tm, 0, sizeof *tm);
    tm->tm_year = y - 1900;
    tm->tm_mon = m - 1;
    tm->tm_mday = d;
    return 0;
}

int day_parse(const char *s, time_t *out)
{
    struct tm tm;
    if (strlen(s) != 10 || parse_date(s, &tm) != 0)
        return -1;
    *out = timegm(&tm);
    return 0;
}

int rfc3339_parse(const char *s, time_t *out)
{
    struct tm tm;
    size_t len = strlen(s);
    if (len < 10 || parse_date(s, &tm) != 0)
        return -1;
    if (len == 10) {
        *out = timegm(&tm);
        return 0;
    }
    const char *p = s + 10;
    int hh, mm, ss;
    if ((*p != 'T' && *p != 't' && *p != ' ') || digits(p + 1, 2, &hh) || p[3] != ':' ||
        digits(p + 4, 2, &mm) || p[6] != ':' || digits(p + 7, 2, &ss))
        return -1;
    if (hh > 23 || mm > 59 || ss > 60)
        return -1;
    p += 9;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }
    long offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = (oh * 3600L + om * 60L) * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss > 59 ? 59 : ss; /* a leap second is folded into :59 */
    *out = timegm(&tm) - offset;
    return 0;
}

char *rfc3339_format(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

char *day_format(time_t t, char out[16])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
    return out;
}

time_t day_floor(time_t t)
{
    time_t r = t % SECONDS_PER_DAY;
    return t - (r < 0 ? r + SECONDS_PER_DAY : r);
}

time_t hour_floor(time_t t)
{
    time_t r = t % SECONDS_PER_HOUR;
    return t - (r < 0 ? r + SECONDS_PER_HOUR : r);
}

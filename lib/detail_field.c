#include "detail_field.h"

#include <stdint.h>
#include <string.h>

const struct detail_field_info detail_fields[DF_COUNT] = {
    [DF_SENDING_MTA_IP] = {"s", "sending-mta-ip", "sending_mta_ip"},
    [DF_RECEIVING_MX_HOSTNAME] = {"n", "receiving-mx-hostname", "receiving_mx_hostname"},
    [DF_RECEIVING_MX_HELO] = {"h", "receiving-mx-helo", "receiving_mx_helo"},
    [DF_RECEIVING_IP] = {"r", "receiving-ip", "receiving_ip"},
    [DF_ADDITIONAL_INFORMATION] = {"a", "additional-information", "additional_information"},
    [DF_FAILURE_REASON_CODE] = {"f", "failure-reason-code", "failure_reason_code"},
};

int detail_field_by_name(const char *rfc_name)
{
    for (int i = 0; i < DF_COUNT; i++)
        if (strcmp(detail_fields[i].rfc_name, rfc_name) == 0)
            return i;
    return -1;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return (h ^ 0) * 0x100000001b3ULL; /* the terminating NUL */
}

long long detail_hash(const char *result_type, const char *const field[DF_COUNT])
{
    uint64_t h = fnv1a(0xcbf29ce484222325ULL, result_type);
    for (int f = 0; f < DF_COUNT; f++)
        h = fnv1a(h, field[f]);
    return (long long)h;
}

#include "result_type.h"

#include <string.h>

const struct result_type result_types[RESULT_TYPE_COUNT] = {
    {201, "starttls-not-supported"},
    {202, "certificate-host-mismatch"},
    {203, "certificate-not-trusted"},
    {204, "certificate-expired"},
    {205, "validation-failure"},
    {301, "sts-policy-fetch-error"},
    {302, "sts-policy-invalid"},
    {303, "sts-webpki-invalid"},
    {304, "tlsa-invalid"},
    {305, "dnssec-invalid"},
    {306, "dane-required"},
};

const char *result_type_name(long long code)
{
    for (int i = 0; i < RESULT_TYPE_COUNT; i++)
        if (result_types[i].code == code)
            return result_types[i].name;
    return NULL;
}

int result_type_code(const char *name)
{
    for (int i = 0; i < RESULT_TYPE_COUNT; i++)
        if (strcmp(result_types[i].name, name) == 0)
            return result_types[i].code;
    return -1;
}

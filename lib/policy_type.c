#include "policy_type.h"

#include <string.h>

const struct policy_type policy_types[POLICY_TYPE_COUNT] = {
    {1, "tlsa"},
    {2, "sts"},
    {9, "no-policy-found"},
};

const char *policy_type_name(long long code)
{
    for (int i = 0; i < POLICY_TYPE_COUNT; i++)
        if (policy_types[i].code == code)
            return policy_types[i].name;
    return NULL;
}

int policy_type_code(const char *name)
{
    for (int i = 0; i < POLICY_TYPE_COUNT; i++)
        if (strcmp(policy_types[i].name, name) == 0)
            return policy_types[i].code;
    return -1;
}

int policy_type_has_strings(const char *name)
{
    return strcmp(name, "no-policy-found") != 0;
}

int policy_type_has_mx(const char *name)
{
    return strcmp(name, "sts") == 0;
}

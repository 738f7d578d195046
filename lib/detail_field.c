#include "detail_field.h"

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

/* The optional fields of a failure detail: datagram key <-> RFC 8460 name <-> SQL column.
 * Nothing else spells these names (the redact option uses the RFC names). */
#ifndef TLSRPT_DETAIL_FIELD_H
#define TLSRPT_DETAIL_FIELD_H

enum detail_field {
    DF_SENDING_MTA_IP,
    DF_RECEIVING_MX_HOSTNAME,
    DF_RECEIVING_MX_HELO,
    DF_RECEIVING_IP,
    DF_ADDITIONAL_INFORMATION,
    DF_FAILURE_REASON_CODE,
    DF_COUNT
};

struct detail_field_info {
    const char *dgram_key; /* "s" */
    const char *rfc_name;  /* "sending-mta-ip" */
    const char *column;    /* "sending_mta_ip" */
};

extern const struct detail_field_info detail_fields[DF_COUNT];

/* The field with this RFC name, or -1. */
int detail_field_by_name(const char *rfc_name);

/* failure_details.detail_hash: FNV-1a 64 over result type and the six fields (NULL or "" =
 * not known), each followed by a NUL. Stable across processes and versions: it is stored. */
long long detail_hash(const char *result_type, const char *const field[DF_COUNT]);

#endif

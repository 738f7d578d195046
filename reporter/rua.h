/* The _smtp._tls TXT record (RFC 8460 §3), parsed strictly and purely: TXT records in, the list
 * of report destinations out. Nothing here touches DNS; dns.c delivers the records, each one
 * already joined from its character-strings.
 *
 * Rules applied (see docs: rfc8460-output.md, delivery-notes.md):
 *   - records not starting with "v=TLSRPTv1" (then *WSP ";" or the end) are dropped; when not
 *     exactly one is left, the domain has no valid record;
 *   - tlsrpt-record = "v=TLSRPTv1" 1*(*WSP ";" *WSP field) [*WSP ";" *WSP]; exactly one rua=;
 *     other well-formed name=value fields are ignored; anything else makes the record invalid;
 *   - rua= is a list of URIs separated by *WSP "," *WSP; each distinct URI is kept once, the
 *     first max_rua distinct ones only (the rest are counted and dropped);
 *   - mailto: the addr-spec before any '?' is percent-decoded and must be one plain
 *     local@domain (no CR/LF, controls, spaces, <>,;" outside a quoted local part, no leading
 *     '-'); hfields such as ?subject= or &bcc= are never used;
 *   - https: kept as written (already a URI), checked for URI characters and a host;
 *   - other schemes and bad addresses become RUA_INVALID entries with a reason, so that the
 *     caller can record them as permanently failed destinations. */
#ifndef TLSRPT_RUA_H
#define TLSRPT_RUA_H

#include <stddef.h>

#define RUA_URI_MAX 2048
#define RUA_ADDR_MAX (64 + 1 + 253 + 1) /* = ADDR_MAX of addr.h */
#define RUA_RECORD_MAX 65536 /* a longer joined record is refused */

enum rua_kind { RUA_MAILTO, RUA_HTTPS, RUA_INVALID };

struct rua_entry {
    enum rua_kind kind;
    char uri[RUA_URI_MAX];   /* normalised URI; for RUA_INVALID a printable escaped excerpt */
    char addr[RUA_ADDR_MAX]; /* RUA_MAILTO: the recipient local@domain (domain an A-label) */
    char error[160];         /* RUA_INVALID: why */
};

struct rua_list {
    struct rua_entry *v;
    size_t n;
    size_t listed;   /* URIs in the record, duplicates included */
    size_t dropped;  /* distinct URIs beyond max_rua */
};

/* Picks the one TLSRPTv1 record among n TXT records (recs[i] of lens[i] bytes). Returns its
 * index, or -1 with a reason in err ("no v=TLSRPTv1 record", "2 v=TLSRPTv1 records"). */
int rua_select(const char *const *recs, const size_t *lens, size_t n, char *err, size_t errsize);

/* Parses one record. Returns 0 (out filled; entries may be RUA_INVALID) or -1 when the record
 * is not a valid TLSRPT record (err says why; out is empty). Free with rua_free. */
int rua_parse(const char *rec, size_t len, size_t max_rua, struct rua_list *out, char *err,
              size_t errsize);

/* rua_select then rua_parse. */
int rua_from_txt(const char *const *recs, const size_t *lens, size_t n, size_t max_rua,
                 struct rua_list *out, char *err, size_t errsize);

void rua_free(struct rua_list *l);

#endif

/* The Prometheus text exposition format (0.0.4), as node_exporter's textfile collector reads
 * it. Pure: appends to a buffer.
 *     prom_family(&b, "tlsrpt_sessions", "gauge", "TLS sessions counted...");
 *     prom_sample(&b, "tlsrpt_sessions", 42, "policy_type", "sts", "result", "failed", NULL);
 * gives
 *     # HELP tlsrpt_sessions TLS sessions counted...
 *     # TYPE tlsrpt_sessions gauge
 *     tlsrpt_sessions{policy_type="sts",result="failed"} 42 */
#ifndef TLSRPT_PROM_H
#define TLSRPT_PROM_H

#include "lib/buf.h"

void prom_family(struct buf *b, const char *name, const char *type, const char *help);
/* Labels are name, value pairs ending with NULL; values are escaped (\\, \", \n). */
void prom_sample(struct buf *b, const char *name, long long value, ...)
    __attribute__((sentinel));

#endif

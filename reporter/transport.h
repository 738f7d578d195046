/* What one delivery attempt came to, whatever carried it (SMTP, sendmail, outbox, HTTPS). */
#ifndef TLSRPT_TRANSPORT_H
#define TLSRPT_TRANSPORT_H

enum outcome {
    OUTCOME_SENT,     /* accepted by the relay / endpoint (or written to the outbox) */
    OUTCOME_TEMPFAIL, /* try again later (4xx, 408, 429, 5xx HTTP, timeouts, connections) */
    OUTCOME_PERMFAIL, /* never again (SMTP 5xx, other HTTP 4xx, refused destination) */
    OUTCOME_INTERRUPTED, /* stopped by SIGINT/SIGTERM before an answer: released, due again */
};

struct attempt_result {
    enum outcome outcome;
    char reply[512]; /* the server's answer or the error, printable (excerpted) */
};

void attempt_set(struct attempt_result *r, enum outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

const char *outcome_name(enum outcome o);

#endif

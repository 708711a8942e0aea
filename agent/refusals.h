/* Refused changes in the audit log, bounded: each field at most
 * AUDIT_FIELD_MAX bytes, and at most REFUSALS_PER_SECOND records a second
 * per user; the rest are counted, and the count is written as one record
 * ("N refusals not recorded") when the user's second has passed. */
#ifndef DAGD_REFUSALS_H
#define DAGD_REFUSALS_H

#include "agent.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AUDIT_FIELD_MAX 256
#define REFUSALS_PER_SECOND 10

/* S cut to at most MAX bytes on a UTF-8 boundary, ending in "…" when cut;
 * NULL stays NULL. Caller frees. */
char *audit_truncate(const char *s, size_t max);

/* The rate limit alone, on a clock in ms (unit-tested). */
typedef struct refusal_window {
    uid_t uid;
    int64_t start_ms;
    int recorded, dropped;
} refusal_window;

typedef struct refusal_limit {
    refusal_window *w;
    size_t n, cap;
} refusal_limit;

/* A refusal of UID at NOW: true when it may be recorded. When UID's
 * earlier window has ended with refusals not recorded, *ENDED gets their
 * count (write it first), else 0. */
bool refusal_limit_take(refusal_limit *l, uid_t uid, int64_t now_ms, int *ended);
/* Windows ended by NOW: FN gets each count not recorded, and they are
 * forgotten. Returns when the next window with a count ends, or -1. */
int64_t refusal_limit_flush(refusal_limit *l, int64_t now_ms, void (*fn)(void *, uid_t, int),
                            void *arg);
void refusal_limit_free(refusal_limit *l);

/* Audit a refusal of ACTION by UID (fields may be NULL), within the limits. */
void refusals_record(agent *ag, uid_t uid, const char *action, const char *dag_id,
                     const char *run_id, const char *task_id);
/* At shutdown: the counts still open are written, the timer closed. */
void refusals_stop(agent *ag);

#endif

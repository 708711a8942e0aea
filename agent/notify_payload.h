/* What notifiers send, and when they try again: pure functions (no loop,
 * no network), so that unit tests pin them down. */
#ifndef DAGD_NOTIFY_PAYLOAD_H
#define DAGD_NOTIFY_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One notification. NULL strings and a zero try_number become JSON null. */
typedef struct notify_msg {
    const char *event; /* failure retry success sla_miss test */
    const char *dag_id;
    const char *run_id;
    const char *task_id; /* NULL: the event is about the run */
    int try_number;
    const char *state;
    const char *logical_date; /* ISO 8601 with offset */
    const char *log_tail;     /* the last lines of the try's log */
    const char *host;
    int64_t sla_s; /* sla_miss: the SLA that was missed, else 0 */
} notify_msg;

/* The webhook body of the contract: {"event","dag_id","run_id","task_id",
 * "try_number","state","logical_date","log_tail","host"} (+"sla_s" for
 * sla_miss). New string. */
char *notify_webhook_body(const notify_msg *m);
/* A Slack incoming-webhook body {"text": …} naming the DAG, the run and
 * its logical date, the task, the state, the try and the log tail. */
char *notify_slack_body(const notify_msg *m);
/* Only the text of that body, for tests and logs. New string. */
char *notify_slack_text(const notify_msg *m);

/* The last MAX_LINES lines of the file at PATH after its first SKIP bytes
 * (a try log's status record), at most MAX_BYTES, as valid UTF-8 (invalid
 * bytes become U+FFFD). NULL when the file cannot be read or has nothing
 * after SKIP. */
char *notify_log_tail(const char *path, size_t skip, int max_lines, size_t max_bytes);
/* The same for a buffer; exposed for tests. New string. */
char *notify_tail_of(const char *buf, size_t len, int max_lines, bool cut_at_start);

/* Delay before try N+1 after N failed tries (N >= 1): 1 s doubling per
 * try, at most NOTIFY_BACKOFF_MAX_MS. */
#define NOTIFY_BACKOFF_BASE_MS 1000
#define NOTIFY_BACKOFF_MAX_MS (5 * 60 * 1000)
int64_t notify_backoff_ms(int failed_tries);

/* Whether a try that ended with CURL_OK and HTTP STATUS may succeed on a
 * later try: server errors, 408 and 429 may; other 4xx never will (a
 * wrong or revoked URL, a payload the endpoint rejects). */
bool notify_status_retryable(long status);

/* MSG with every occurrence of URL and of its parts that may hold a secret
 * (host onwards, path and query) replaced by "<url>". New string. */
char *notify_redact(const char *msg, const char *url);

#endif

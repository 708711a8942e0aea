/* [notifier NAME] sections of the agent config: what a notifier is, apart
 * from sending (notify.c). The URL is a secret: it is held here and given
 * to libcurl, and never printed, logged, audited or sent to a client. */
#ifndef DAGD_NOTIFY_CONFIG_H
#define DAGD_NOTIFY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum notifier_type { NOTIFIER_UNSET, NOTIFIER_SLACK, NOTIFIER_WEBHOOK };

/* The events a notifier may fire on: bits of notifier_config.on. */
enum {
    NOTIFY_FAILURE = 1 << 0,
    NOTIFY_RETRY = 1 << 1,
    NOTIFY_SUCCESS = 1 << 2,
    NOTIFY_SLA_MISS = 1 << 3,
    NOTIFY_RECOVERY = 1 << 4, /* a run succeeds after the DAG's previous run failed */
};

/* Without `on`: what needs someone to act. */
#define NOTIFY_DEFAULT_ON (NOTIFY_FAILURE | NOTIFY_SLA_MISS)
#define NOTIFY_DEFAULT_TIMEOUT_US (10LL * 1000000LL)
#define NOTIFY_DEFAULT_RETRIES 3
#define NOTIFY_MAX_RETRIES 20

typedef struct notifier_config {
    char *name;
    int line; /* its first key: where messages about the section point */
    enum notifier_type type;
    char *url;      /* the secret; NULL when there is none (a refused url_file) */
    bool url_given; /* url = … */
    char *url_file; /* absolute; NULL when url = … */
    int url_file_line;
    unsigned on;
    int64_t timeout_us;
    int retries; /* after the first try */
} notifier_config;

int notifier_type_parse(const char *s, enum notifier_type *out);
const char *notifier_type_name(enum notifier_type t);

/* One event name to its bit, 0 if unknown. */
unsigned notify_event_bit(const char *name);
/* "failure retry success sla_miss recovery" (spaces or commas) to bits. On an
 * unknown word, -1 with ERR naming it. */
int notify_events_parse(const char *s, unsigned *out, char *err, size_t errlen);

/* An http:// or https:// URL with a host. */
bool notify_url_valid(const char *url);

/* The URL in PATH: its first non-blank line, trimmed. NULL with ERR when
 * the file cannot be read, holds no valid URL, or (*REFUSED set) can be read
 * by others. ERR never holds the file's content. */
char *notify_url_read(const char *path, bool *refused, char *err, size_t errlen);

void notifier_config_free(notifier_config *n);

#endif

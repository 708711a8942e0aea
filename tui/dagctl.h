/* dagctl: one-shot commands against the agent, one table of subcommands. */
#ifndef DAGD_DAGCTL_H
#define DAGD_DAGCTL_H

#include "conn.h"

#include <jansson.h>
#include <stdbool.h>

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2 };

typedef struct ctl {
    conn c;
    bool json;
    const char *socket;
    int argc;    /* the subcommand's own arguments */
    char **argv;
} ctl;

/* Call CMD and return its result, or print the error and set *EXIT. */
json_t *ctl_call(ctl *x, const char *cmd, json_t *args, int timeout_ms, int *exit_code);
/* Print RESULT as the one JSON document of --json. */
void ctl_print_json(json_t *result);
int ctl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int ctl_dags(ctl *x);
int ctl_status(ctl *x);
int ctl_next(ctl *x);
int ctl_trigger(ctl *x);
int ctl_wait(ctl *x);
int ctl_grid(ctl *x);
int ctl_logs(ctl *x);

#endif

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
    int argc; /* the subcommand's own arguments */
    char **argv;
} ctl;

/* argv split into positionals and --flag VALUE pairs (flags without a value
 * are listed in BOOL_FLAGS; either list may be NULL). */
typedef struct parsed_args {
    const char *pos[4];
    int n_pos;
    const char *flag[16], *value[16];
    int n_flags;
} parsed_args;

int ctl_parse_args(ctl *x, const char *const *value_flags, const char *const *bool_flags,
                   parsed_args *p);
/* The last value of FLAG ("" for a flag without value), NULL if absent. */
const char *ctl_flag_value(const parsed_args *p, const char *flag);
int ctl_number_flag(const parsed_args *p, const char *flag, long min, long *out);
/* Print RESULT (--json or HUMAN), free it, EXIT_OK. */
int ctl_finish(ctl *x, json_t *result, void (*human)(json_t *));

/* Call CMD and return its result, or print the error and set *EXIT. */
json_t *ctl_call(ctl *x, const char *cmd, json_t *args, int timeout_ms, int *exit_code);
/* Print RESULT as the one JSON document of --json. */
void ctl_print_json(json_t *result);
int ctl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Every page of a list reply {"KEY":[…],"more","next_offset"} from OFFSET,
 * up to LIMIT items (0: all), as one array; ARGS is consumed. */
json_t *ctl_fetch_list(ctl *x, const char *cmd, const char *key, json_t *args, long offset,
                       long limit, int *exit_code);
/* LIMIT runs of a grid from OFFSET / BEFORE (a RUN or NULL), every page of
 * rows and every window of tasks merged into one grid document with "more"
 * and "next_offset" for what is left. */
json_t *ctl_fetch_grid(ctl *x, const char *dag_id, long limit, long offset, const char *before,
                       int *exit_code);

int ctl_dags(ctl *x);
int ctl_status(ctl *x);
int ctl_next(ctl *x);
int ctl_trigger(ctl *x);
int ctl_wait(ctl *x);
int ctl_grid(ctl *x);
int ctl_logs(ctl *x);
int ctl_pause(ctl *x);
int ctl_unpause(ctl *x);
int ctl_clear(ctl *x);
int ctl_mark(ctl *x);
int ctl_backfill(ctl *x);
int ctl_audit(ctl *x);
int ctl_task(ctl *x);
int ctl_notify(ctl *x);
int ctl_nodes(ctl *x);
int ctl_metrics(ctl *x);
int ctl_backup(ctl *x);
int ctl_versions(ctl *x);
int ctl_show(ctl *x);
int ctl_outputs(ctl *x);

#endif

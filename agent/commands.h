/* Protocol commands: one file per command, each an entry in one table. */
#ifndef DAGD_COMMANDS_H
#define DAGD_COMMANDS_H

#include "agent.h"
#include "events.h"
#include "selection.h"
#include "server.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct request {
    agent *ag;
    client *cl;
    json_t *id;   /* borrowed */
    json_t *args; /* borrowed, an object (empty when absent) */
} request;

typedef void (*command_fn)(request *rq);

typedef struct command_entry {
    const char *name;
    bool changes_state; /* needs an operator */
    command_fn run;
} command_entry;

/* Run command NAME (access checked here, in one place); false if unknown. */
bool command_dispatch(request *rq, const char *name);

/* Argument helpers: on a missing or mistyped field they reply with
 * bad_request naming the field and return false. */
bool arg_string(request *rq, const char *name, bool required, const char **out);
bool arg_int(request *rq, const char *name, bool required, long long *out);
bool arg_bool(request *rq, const char *name, bool *out);
/* The DAG named by args.dag_id, or a not_found reply and NULL. */
dag_entry *arg_dag(request *rq);

/* A wall-clock instant (start, end, due), where 0 means "not yet". */
json_t *json_time_or_null(int64_t t_us, const char *tz);
/* A logical date: 0 is the epoch, a valid date; only < 0 means "none". */
json_t *json_date_or_null(int64_t t_us, const char *tz);
/* The selection booleans of clear / mark. */
bool arg_selection(request *rq, selection_flags *f, bool allow_failed_only);
/* args.run_id (an id or a logical date) resolved to a run id (new string)
 * and, when STATE is not NULL, the run's state. */
bool arg_run(request *rq, dag_entry *de, char **run_id, enum run_state *state);
/* args.task_id as an index into DE's model. */
bool arg_task(request *rq, dag_entry *de, size_t *index);
/* "flags: downstream,past; touched 3 task instances" (new string). */
char *selection_describe(const selection_flags *f, int touched);

/* One audit record for a change by the requesting peer (inside the
 * change's batch, so both commit together). */
void audit_change(request *rq, const char *action, const char *dag_id, const char *run_id,
                  const char *task_id, const char *detail);

/* Waiters of `wait`: the events subscriber (ARG unused) answers them when
 * their run finishes; dropped with their client. */
void wait_on_event(void *arg, const struct event *ev);
void wait_shutdown(agent *ag);

/* clear and mark: TARGET none clears, success / failed marks. */
void change_selection(request *rq, const char *action, enum ti_state target);

void cmd_dags(request *rq);
void cmd_status(request *rq);
void cmd_next(request *rq);
void cmd_trigger(request *rq);
void cmd_wait(request *rq);
void cmd_grid(request *rq);
void cmd_logs(request *rq);
void cmd_subscribe(request *rq);
void cmd_task_instance(request *rq);
void cmd_audit(request *rq);
void cmd_pause(request *rq);
void cmd_unpause(request *rq);
void cmd_clear(request *rq);
void cmd_mark(request *rq);
void cmd_backfill(request *rq);
void cmd_notify_test(request *rq);

#endif

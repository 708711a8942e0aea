/* Protocol commands: one file per command, each an entry in one table. */
#ifndef DAGD_COMMANDS_H
#define DAGD_COMMANDS_H

#include "agent.h"
#include "json_time.h"
#include "events.h"
#include "selection.h"
#include "server.h"

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>

/* What a command's arguments may be. Null counts as absent everywhere. */
enum arg_type {
    ARG_STRING, /* a JSON string */
    ARG_INT,    /* a JSON integer, within [min, max] when min < max (max ARG_NO_MAX: >= min) */
    ARG_BOOL,   /* true or false; absent: false */
    ARG_OBJECT, /* a JSON object */
    ARG_CHOICE, /* a string, one of choices */
    ARG_DAG,    /* a DAG id, resolved to its entry (else not_found) */
    ARG_RUN,    /* a run id or logical date of the DAG named before it (one per command) */
    ARG_TASK,   /* a task id of the DAG named before it */
};

#define ARG_NO_MAX LLONG_MAX

#define REQUIRED true
#define OPTIONAL false

/* One argument of a command: data, checked by command_dispatch in table
 * order before the handler runs (bad_request naming the field, or
 * not_found / ambiguous for what does not resolve). docs/protocol.md lists
 * the same rows; test_command_table compares them. */
typedef struct arg_spec {
    const char *name;
    enum arg_type type;
    bool required;
    long long min, max;         /* ARG_INT bounds, when min < max */
    long long def;              /* ARG_INT: the value when absent */
    const char *def_text;       /* the default as the doc states it, when not DEF */
    const char *const *choices; /* ARG_CHOICE: NULL-terminated */
} arg_spec;

#define ARGS_MAX 10
/* The bound of next's count (its buffers are on the stack). */
#define NEXT_MAX 1000

/* A checked value, by the position of its spec. */
typedef struct arg_value {
    bool given;
    const char *s; /* ARG_STRING, ARG_CHOICE and the resolved ids */
    long long i;   /* ARG_INT: DEF when absent */
    bool b;
    json_t *o; /* ARG_OBJECT, borrowed */
} arg_value;

struct command_entry;

typedef struct request {
    agent *ag;
    client *cl;
    json_t *id;   /* borrowed */
    json_t *args; /* borrowed, an object (empty when absent) */
    /* Filled by command_dispatch before the handler runs. */
    const struct command_entry *cmd;
    arg_value val[ARGS_MAX];
    dag_entry *dag;           /* ARG_DAG */
    char *run_id;             /* ARG_RUN, resolved to the run's id; freed after */
    enum run_state run_state; /* ARG_RUN */
    size_t task;              /* ARG_TASK: index into dag->model */
    /* Set by a handler that changed something: the pass runs in its batch. */
    bool changed;
} request;

/* A handler's result is the reply (dispatch sends it, after the commit for
 * changes); NULL when the handler replied itself (an error, or later). */
typedef json_t *(*command_fn)(request *rq);

enum command_kind {
    CMD_READ,     /* anyone who can connect */
    CMD_CHANGE,   /* operators; runs inside one batch, committed before the reply */
    CMD_OPERATOR, /* operators; changes nothing stored but its audit record */
};

typedef struct command_entry {
    const char *name;
    enum command_kind kind;
    command_fn run;
    /* CMD_CHANGE: the store error when the commit is refused (NULL: that the
     * change is kept and stored when it can). */
    const char *refused;
    arg_spec args[ARGS_MAX]; /* up to the first without a name */
} command_entry;

/* Run command NAME (access and arguments checked here, in one place; the
 * batch of a change opened and committed here); false if unknown. */
bool command_dispatch(request *rq, const char *name);
/* The table, for the test that compares it with docs/protocol.md. */
const command_entry *command_table(size_t *n);
/* How the doc writes an argument's type, bounds and default. */
const char *arg_type_name(enum arg_type type);
void arg_describe_bounds(const arg_spec *a, char *buf, size_t len);
void arg_describe_default(const arg_spec *a, char *buf, size_t len);

/* Check RQ's args against its entry: false when it replied an error. */
bool args_check(request *rq);

/* Checked values by name; a name not in the command's table aborts (a
 * programming error). Absent: NULL, the default, false, NULL. */
const char *arg_str(const request *rq, const char *name);
long long arg_int(const request *rq, const char *name);
bool arg_bool(const request *rq, const char *name);
json_t *arg_object(const request *rq, const char *name);
/* Whether the argument was given (not absent, not null). */
bool arg_given(const request *rq, const char *name);

/* One audit record for a change by the requesting peer (inside the
 * change's batch, so both commit together). */
void audit_change(request *rq, const char *action, const char *dag_id, const char *run_id,
                  const char *task_id, const char *detail);
/* The same for a change that ends after its request (a backfill in steps). */
void audit_change_by(agent *ag, uid_t uid, const char *action, const char *dag_id,
                     const char *run_id, const char *task_id, const char *detail);

/* Backfills made in steps (cmd_backfill.c): those still going are dropped,
 * without a reply (the runs made so far stay). */
void backfill_shutdown(agent *ag);

/* Waiters of `wait`: the events subscriber (ARG unused) answers them when
 * their run finishes; dropped with their client. */
void wait_on_event(void *arg, const struct event *ev);
void wait_shutdown(agent *ag);

/* clear and mark: TARGET none clears, success / failed marks. */
json_t *change_selection(request *rq, const char *action, enum ti_state target);

json_t *cmd_dags(request *rq);
json_t *cmd_status(request *rq);
json_t *cmd_next(request *rq);
json_t *cmd_versions(request *rq);
json_t *cmd_show(request *rq);
json_t *cmd_trigger(request *rq);
json_t *cmd_wait(request *rq);
json_t *cmd_grid(request *rq);
json_t *cmd_logs(request *rq);
json_t *cmd_subscribe(request *rq);
json_t *cmd_task_instance(request *rq);
json_t *cmd_task(request *rq);
json_t *cmd_run(request *rq);
json_t *cmd_audit(request *rq);
json_t *cmd_pause(request *rq);
json_t *cmd_unpause(request *rq);
json_t *cmd_clear(request *rq);
json_t *cmd_mark(request *rq);
json_t *cmd_backfill(request *rq);
json_t *cmd_notify_test(request *rq);
json_t *cmd_nodes(request *rq);
json_t *cmd_metrics(request *rq);
json_t *cmd_backup(request *rq);
json_t *cmd_outputs(request *rq);

#endif

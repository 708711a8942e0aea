/* Task-instance and run states, trigger rules and how a rule decides. */
#ifndef DAGD_STATES_H
#define DAGD_STATES_H

#include <stdbool.h>

enum ti_state {
    TI_NONE,
    TI_SCHEDULED,
    TI_QUEUED,
    TI_RUNNING,
    TI_SUCCESS,
    TI_FAILED,
    TI_UP_FOR_RETRY,
    TI_UPSTREAM_FAILED,
    TI_SKIPPED,
    TI_REMOVED,
    TI_STATE_COUNT
};

enum run_state { RUN_QUEUED, RUN_RUNNING, RUN_SUCCESS, RUN_FAILED, RUN_STATE_COUNT };

enum trigger_rule {
    TR_ALL_SUCCESS,
    TR_ALL_FAILED,
    TR_ALL_DONE,
    TR_ALL_SKIPPED,
    TR_ONE_SUCCESS,
    TR_ONE_FAILED,
    TR_ONE_DONE,
    TR_NONE_FAILED,
    TR_NONE_FAILED_MIN_ONE_SUCCESS,
    TR_NONE_SKIPPED,
    TR_ALWAYS,
    TR_COUNT
};

const char *ti_state_name(enum ti_state s);
int ti_state_parse(const char *name); /* -1 when unknown */
/* success failed upstream_failed skipped removed: nothing more will happen. */
bool ti_state_finished(enum ti_state s);

const char *run_state_name(enum run_state s);
int run_state_parse(const char *name);
bool run_state_finished(enum run_state s);

const char *trigger_rule_name(enum trigger_rule r);
int trigger_rule_parse(const char *name);

/* What the upstream task instances of one task are doing. */
typedef struct upstream_counts {
    int total;
    int success, failed, upstream_failed, skipped, removed;
} upstream_counts;

enum trigger_verdict {
    TRIGGER_WAIT,            /* not decidable yet */
    TRIGGER_RUN,             /* the task may run */
    TRIGGER_SKIP,            /* the task becomes skipped */
    TRIGGER_UPSTREAM_FAILED, /* the task becomes upstream_failed */
};

/* Airflow's TriggerRuleDep: decide as soon as the rule can no longer change. */
enum trigger_verdict trigger_rule_evaluate(enum trigger_rule r, const upstream_counts *c);

#endif

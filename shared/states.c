#include "states.h"

#include <string.h>

static const char *const ti_names[TI_STATE_COUNT] = {
    "none",   "scheduled",    "queued",          "running", "success",
    "failed", "up_for_retry", "upstream_failed", "skipped", "removed",
};

static const char *const run_names[RUN_STATE_COUNT] = {"queued", "running", "success", "failed"};

static const char *const rule_names[TR_COUNT] = {
    "all_success",  "all_failed",  "all_done",
    "all_skipped",  "one_success", "one_failed",
    "one_done",     "none_failed", "none_failed_min_one_success",
    "none_skipped", "always",
};

static int find_name(const char *const *names, int n, const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

const char *ti_state_name(enum ti_state s)
{
    return (unsigned)s < TI_STATE_COUNT ? ti_names[s] : "unknown";
}

int ti_state_parse(const char *name)
{
    return find_name(ti_names, TI_STATE_COUNT, name);
}

bool ti_state_finished(enum ti_state s)
{
    return s == TI_SUCCESS || s == TI_FAILED || s == TI_UPSTREAM_FAILED || s == TI_SKIPPED ||
           s == TI_REMOVED;
}

const char *run_state_name(enum run_state s)
{
    return (unsigned)s < RUN_STATE_COUNT ? run_names[s] : "unknown";
}

int run_state_parse(const char *name)
{
    return find_name(run_names, RUN_STATE_COUNT, name);
}

bool run_state_finished(enum run_state s)
{
    return s == RUN_SUCCESS || s == RUN_FAILED;
}

const char *trigger_rule_name(enum trigger_rule r)
{
    return (unsigned)r < TR_COUNT ? rule_names[r] : "unknown";
}

int trigger_rule_parse(const char *name)
{
    return find_name(rule_names, TR_COUNT, name);
}

enum trigger_verdict trigger_rule_evaluate(enum trigger_rule r, const upstream_counts *c)
{
    /* A root task has nothing to wait for, whatever its rule. */
    if (c->total <= 0)
        return TRIGGER_RUN;
    int done = c->success + c->failed + c->upstream_failed + c->skipped + c->removed;
    bool all_done = done >= c->total;
    int failures = c->failed + c->upstream_failed;

    switch (r) {
    case TR_ALL_SUCCESS:
        if (failures > 0)
            return TRIGGER_UPSTREAM_FAILED;
        if (c->skipped > 0)
            return TRIGGER_SKIP;
        return c->success >= c->total ? TRIGGER_RUN : TRIGGER_WAIT;
    case TR_ALL_FAILED:
        if (c->success > 0 || c->skipped > 0)
            return TRIGGER_SKIP;
        return all_done ? TRIGGER_RUN : TRIGGER_WAIT;
    case TR_ALL_DONE:
        return all_done ? TRIGGER_RUN : TRIGGER_WAIT;
    case TR_ALL_SKIPPED:
        if (c->success > 0 || failures > 0)
            return TRIGGER_SKIP;
        return c->skipped >= c->total ? TRIGGER_RUN : TRIGGER_WAIT;
    case TR_ONE_SUCCESS:
        if (c->success > 0)
            return TRIGGER_RUN;
        if (!all_done)
            return TRIGGER_WAIT;
        return c->skipped >= c->total ? TRIGGER_SKIP : TRIGGER_UPSTREAM_FAILED;
    case TR_ONE_FAILED:
        if (failures > 0)
            return TRIGGER_RUN;
        return all_done ? TRIGGER_SKIP : TRIGGER_WAIT;
    case TR_ONE_DONE:
        if (c->success + c->failed > 0)
            return TRIGGER_RUN;
        return all_done ? TRIGGER_SKIP : TRIGGER_WAIT;
    case TR_NONE_FAILED:
        if (failures > 0)
            return TRIGGER_UPSTREAM_FAILED;
        return all_done ? TRIGGER_RUN : TRIGGER_WAIT;
    case TR_NONE_FAILED_MIN_ONE_SUCCESS:
        if (failures > 0)
            return TRIGGER_UPSTREAM_FAILED;
        if (!all_done)
            return TRIGGER_WAIT;
        return c->skipped >= c->total ? TRIGGER_SKIP : TRIGGER_RUN;
    case TR_NONE_SKIPPED:
        if (c->skipped > 0)
            return TRIGGER_SKIP;
        return all_done ? TRIGGER_RUN : TRIGGER_WAIT;
    case TR_ALWAYS:
        return TRIGGER_RUN;
    case TR_COUNT:
        break;
    }
    return TRIGGER_WAIT;
}

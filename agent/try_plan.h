/* What a claimed try runs, made once at its claim for both its record and
 * its launch (the same loop turn, after the commit): the runner makes it,
 * the launch or an uncommitted batch frees it. */
#ifndef DAGD_TRY_PLAN_H
#define DAGD_TRY_PLAN_H

#include "agent.h"
#include "task_env.h"

struct try_plan {
    task_vars vars; /* points into itself: never moved */
    char *log_path, *output_path;
    char *command; /* NULL: it did not render (ERR says why) */
    /* The claim's descriptor of LOG_PATH (try_status_claim), or -1: an
     * executor that takes it sets -1; freeing the plan closes it. */
    int log_fd;
    char err[256];
};

/* The plan of the try of task I of R about to be claimed, its log at
 * LOG_PATH (taken) and open as LOG_FD (taken; -1 when it is not). */
struct try_plan *try_plan_make(agent *ag, run *r, size_t i, char *log_path, int log_fd);
/* P may be NULL. */
void try_plan_free(struct try_plan *p);

#endif

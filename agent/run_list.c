/* The agent's list of runs in memory, in logical-date order. */
#include "run_list.h"

void runs_insert(agent *ag, run *r)
{
    /* After every run of the same date or earlier. */
    run *at;
    TAILQ_FOREACH(at, &ag->runs, entry)
        if (at->logical_us > r->logical_us)
            break;
    if (at)
        TAILQ_INSERT_BEFORE(at, r, entry);
    else
        TAILQ_INSERT_TAIL(&ag->runs, r, entry);
}

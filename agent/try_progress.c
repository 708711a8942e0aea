/* A claimed try's progress as its executor reports it (exec_progress_fn):
 * a swarm job waits for a node (shown queued, with why) or runs on one. Its
 * own file so that an executor reports progress without the runner. */
#include "try_progress.h"
#include "batch.h"
#include "runs.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

void try_progress(void *arg, const char *waiting_for, const char *node)
{
    ti *t = arg;
    run *r = t->owner;
    if (t->state != TI_RUNNING || t->cancelled || !t->exec)
        return;
    if (same_text(t->waiting_for, waiting_for) && (!node || same_text(t->node, node)))
        return;
    free(t->waiting_for);
    t->waiting_for = waiting_for ? xstrdup(waiting_for) : NULL;
    if (node && !same_text(t->node, node)) {
        free(t->node);
        t->node = xstrdup(node);
    }
    batch_begin(r->ag);
    runs_save_ti(r->ag, r, t->index); /* its row and its event: queued or running */
    batch_end(r->ag);
}

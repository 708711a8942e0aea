/* status: the agent's vital signs. */
#include "commands.h"
#include "swarm_info.h"
#include "timeutil.h"
#include "utf8.h"
#include "version.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    long kb = -1;
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

json_t *cmd_status(request *rq)
{
    agent *ag = rq->ag;
    json_t *o = json_pack("{s:s, s:i, s:I, s:I, s:i, s:i, s:i}", "version", DAGD_VERSION, "pid",
                          (int)getpid(), "uptime_s",
                          (json_int_t)((time_now_us() - ag->started_us) / USEC_PER_SEC), "rss_kb",
                          (json_int_t)rss_kb(), "dags", (int)ag->n_dags, "running",
                          ag->running_tasks, "parallelism", ag->cfg.parallelism);
    /* Only what is active lives in memory (backlog.h): this stays small
     * whatever waits in the store. */
    int in_memory = 0;
    const run *r;
    TAILQ_FOREACH(r, &ag->runs, entry)
        in_memory++;
    json_object_set_new(o, "runs_in_memory", json_integer(in_memory));
    json_object_set_new(o, "store_ok", json_boolean(!ag->degraded));
    if (ag->degraded_reason)
        json_object_set_new(o, "store_error", json_text(ag->degraded_reason));
    /* Cached (swarm_info.c): status never waits on an engine. */
    const char *swarm_error;
    json_object_set_new(o, "swarm", swarm_info_status(ag, &swarm_error));
    if (swarm_error)
        json_object_set_new(o, "swarm_error", json_text(swarm_error));
    return o;
}

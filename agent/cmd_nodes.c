/* nodes: the swarm's nodes, from the manager's Engine API; the reply waits
 * for the engine's answer (a fetch on the loop, never blocking it). Anyone
 * may read it: it changes nothing. */
#include "commands.h"
#include "swarm_info.h"
#include "util.h"

#include <stdlib.h>

typedef struct pending_nodes {
    client *cl;
    json_t *id;
} pending_nodes;

static void on_nodes(void *arg, json_t *rows, const char *error, bool cancelled)
{
    pending_nodes *p = arg;
    /* A client gone meanwhile, or an agent stopping: no one to tell. */
    if (!cancelled && !client_closed(p->cl)) {
        if (rows)
            server_reply_ok(p->cl, p->id, json_incref(rows));
        else
            server_reply_error(p->cl, p->id, "unavailable", "%s", error);
    }
    client_unref(p->cl);
    json_decref(p->id);
    free(p);
}

json_t *cmd_nodes(request *rq)
{
    pending_nodes *p = xcalloc(1, sizeof *p);
    p->cl = rq->cl;
    p->id = json_incref(rq->id);
    char err[512];
    client_ref(p->cl);
    if (!swarm_info_nodes(rq->ag, on_nodes, p, err, sizeof err)) {
        client_unref(p->cl);
        json_decref(p->id);
        free(p);
        server_reply_error(rq->cl, rq->id, "unavailable", "%s", err);
        return NULL;
    }
    return NULL; /* the reply comes with the engine's answer */
}

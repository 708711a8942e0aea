/* notify_test: one test message through a notifier; the reply waits for the
 * endpoint's answer and gives its HTTP status. Operators only (the table
 * says so): it makes the agent send to the outside. The URL is never in the
 * reply, the audit record or the log. */
#include "commands.h"
#include "notify.h"
#include "util.h"

#include <stdlib.h>

typedef struct pending_test {
    client *cl;
    json_t *id;
    char *name;
} pending_test;

static void on_tested(void *arg, long status, const char *error)
{
    pending_test *p = arg;
    if (!client_closed(p->cl))
        server_reply_ok(p->cl, p->id,
                        json_pack("{s:s, s:I, s:b, s:s?}", "name", p->name, "status",
                                  (json_int_t)status, "delivered", error == NULL, "error", error));
    client_unref(p->cl);
    json_decref(p->id);
    free(p->name);
    free(p);
}

json_t *cmd_notify_test(request *rq)
{
    const char *name = arg_str(rq, "name");
    if (!config_notifier(&rq->ag->cfg, name)) {
        server_reply_error(rq->cl, rq->id, "not_found",
                           "no notifier \"%s\" (declare [notifier %s] in the agent config)", name,
                           name);
        return NULL;
    }
    char *detail = xasprintf("notifier %s", name);
    audit_change(rq, "notify_test", NULL, NULL, NULL, detail);
    free(detail);
    pending_test *p = xcalloc(1, sizeof *p);
    p->cl = rq->cl;
    client_ref(p->cl);
    p->id = json_incref(rq->id);
    p->name = xstrdup(name);
    notify_test(rq->ag, name, on_tested, p); /* known: checked above */
    return NULL;                             /* the reply comes with the endpoint's answer */
}

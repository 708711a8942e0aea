#include "try_history.h"
#include "executors.h"
#include "log.h"
#include "store.h"
#include "task_env.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The common case by hand: names of printable ASCII with nothing to escape
 * are written as they are (jansson's array and dump cost some 18,000
 * instructions a try); anything else goes through jansson. */
static char *plain_names(char **own)
{
    strbuf sb = {0};
    sb_append(&sb, "[");
    for (char **e = own; *e; e++) {
        const char *eq = strchr(*e, '=');
        size_t n = eq ? (size_t)(eq - *e) : strlen(*e);
        for (size_t k = 0; k < n; k++) {
            unsigned char c = (unsigned char)(*e)[k];
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                sb_free(&sb);
                return NULL;
            }
        }
        sb_append(&sb, e == own ? "\"" : ",\"");
        sb_append_len(&sb, *e, n);
        sb_append(&sb, "\"");
    }
    sb_append(&sb, "]");
    return sb_take(&sb);
}

/* The names of the variables the try gets beside the agent's own
 * environment (which a local try inherits and a container does not), as
 * its plan made them (task_env_prepare): a local try also gets its log
 * file and $DAGD_OUTPUT. Not the inherited ones: they would fill every
 * row. */
static char *env_names(const task_vars *v)
{
    if (!v->own)
        return NULL; /* an env template failed: the try does not start */
    char *plain = plain_names(v->own);
    if (plain)
        return plain;
    json_t *names = json_array();
    for (char **e = v->own; *e; e++) {
        const char *eq = strchr(*e, '=');
        json_array_append_new(names, json_stringn(*e, eq ? (size_t)(eq - *e) : strlen(*e)));
    }
    char *text = json_dumps(names, JSON_COMPACT);
    json_decref(names);
    return text;
}

void try_history_begin(agent *ag, run *r, size_t i, const task_vars *vars, const char *command)
{
    const dag_task *task = &r->model->tasks[i];
    const ti *t = &r->tis[i];
    const char *executor = executor_for(task)->name;
    char *names = env_names(vars);
    try_record rec = {.try_number = t->try_number,
                      .start_us = t->start_us,
                      .executor = executor,
                      .image = task->image,
                      .command = command,
                      .env_names = names};
    if (store_try_begin(ag->db, r->de->dag_id, r->run_id, task->id, &rec))
        log_error("store: recording a try: %s", store_error(ag->db));
    free(names);
}

void try_history_forget(agent *ag, run *r, size_t i)
{
    if (store_try_forget(ag->db, r->de->dag_id, r->run_id, r->model->tasks[i].id,
                         r->tis[i].try_number))
        log_error("store: forgetting a try: %s", store_error(ag->db));
}

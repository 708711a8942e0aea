#include "versions.h"
#include "log.h"
#include "store.h"
#include "timeutil.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void versions_seen(agent *ag, dag_entry *de)
{
    const dag *m = de->model;
    if (!m || !m->version[0])
        return;
    if (store_version_seen(ag->db, de->dag_id, m->version, m->text, m->text_len, time_now_us()))
        log_error("store: saving version %s of %s: %s", m->version, de->dag_id,
                  store_error(ag->db));
}

dag *versions_model(agent *ag, dag_entry *de, const char *version)
{
    if (!version || !version[0] || !de->model)
        return NULL;
    if (strcmp(de->model->version, version) == 0)
        return dag_ref(de->model);
    run *r;
    TAILQ_FOREACH(r, &ag->runs, entry)
        if (r->de == de && r->model && strcmp(r->model->version, version) == 0)
            return dag_ref(r->model);
    size_t len = 0;
    char *text = store_version_text(ag->db, de->dag_id, version, &len);
    if (!text)
        return NULL;
    diag_list diags = {0};
    dag **list = NULL;
    size_t n = dag_load_text_all(text, len, de->file, ag->cfg.timezone, &diags, &list);
    dag *found = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!found && strcmp(list[i]->id, de->dag_id) == 0)
            found = list[i];
        else
            dag_free(list[i]);
    }
    free(list);
    if (!found)
        log_warn("%s: version %s no longer loads; its run goes on the current version", de->dag_id,
                 version);
    diag_free(&diags);
    free(text);
    return found;
}

bool versions_restore(agent *ag, run *r)
{
    if (!r->version[0] || !r->model || strcmp(r->version, r->model->version) == 0)
        return true;
    dag *m = versions_model(ag, r->de, r->version);
    if (!m)
        return false;
    dag_unref(r->model);
    r->model = m;
    store_load_tis(ag->db, r);
    return true;
}

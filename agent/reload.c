#include "reload.h"
#include "file_trigger.h"
#include "dagdir.h"
#include "events.h"
#include "log.h"
#include "scheduler.h"
#include "store.h"
#include "utf8.h"
#include "util.h"
#include "strindex.h"
#include "swap.h"
#include "slots.h"
#include "runs.h"
#include "recovery.h"
#include "engine.h"
#include "service.h"
#include "versions.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Editors write a file in several steps; act once they are done. */
#define RELOAD_DEBOUNCE_MS 200

/* Files are parsed on libuv's thread pool so that a big file never stalls
 * a reply; the loop only stats the files and swaps the models in. One
 * batch is in flight at a time and its files are applied in order (the
 * known entries, then new files by name): a later reload of a file can
 * never be overtaken by an earlier one, and which of two new files with
 * one DAG id comes first does not depend on thread timing. */
typedef struct load_job {
    dag_entry *de; /* NULL: a new file; else one of its entries (a family has several) */
    char *path, *name;
    file_stamp stamp; /* taken before the read: a change during it shows next time */
    dag **models;     /* the worker's result, before the config checks */
    size_t n_models;
    diag_list diags;
} load_job;

typedef struct load_batch {
    uv_work_t work;
    agent *ag;
    char *timezone; /* the default zone the files were parsed with */
    load_job *jobs;
    size_t n, cap;
} load_batch;

static dag_entry *find_by_file(agent *ag, const char *path)
{
    for (size_t i = 0; i < ag->n_dags; i++)
        if (strcmp(ag->dags[i]->file, path) == 0)
            return ag->dags[i];
    return NULL;
}

/* The entry that holds DAG id ID (a live file with a model), other than
 * SELF. */
static dag_entry *id_holder(agent *ag, const char *id, const dag_entry *self)
{
    for (size_t i = 0; i < ag->n_dags; i++) {
        dag_entry *de = ag->dags[i];
        if (de != self && de->model && !de->removed && !de->duplicate &&
            strcmp(de->dag_id, id) == 0)
            return de;
    }
    return NULL;
}

static void set_error(dag_entry *de, char *error)
{
    free(de->error);
    de->error = error;
}

/* The config checks of a parsed file, on the loop (the config may change
 * under SIGHUP). Prints the file's problems; returns the model or NULL with
 * *ERROR. */
static size_t finish_job(agent *ag, load_job *j, char **error)
{
    size_t n;
    if (!j->n_models) {
        n = 0;
        *error = dagdir_join_errors(&j->diags, 0);
    } else {
        n = dagdir_check_all(&ag->cfg, j->models, j->n_models, &j->diags, 0, error);
    }
    if (!n) {
        free(j->models);
        j->models = NULL;
    }
    j->n_models = n;
    log_diags(&j->diags, true);
    return n;
}

/* A plain file: one DAG, one entry. */
static bool is_plain(const load_job *j)
{
    return j->n_models == 1 && !j->models[0]->family;
}

/* A file that had no model (broken so far, or a duplicate) loads: it takes
 * its declared id unless a live file holds that. */
static bool take_id(agent *ag, dag_entry *de, dag *m)
{
    dag_entry *holder = id_holder(ag, m->id, de);
    if (strcmp(de->dag_id, m->id) != 0) {
        free(de->dag_id);
        de->dag_id = xstrdup(m->id);
    }
    if (holder) {
        dag_free(m);
        dagdir_make_duplicate(de, holder);
        log_error("%s", de->error);
        return false;
    }
    de->duplicate = false;
    de->paused = store_dag_sync(ag->db, de->dag_id, de->file);
    return true;
}

/* The entry DE of a changed file gets model M (or ERROR): the new version
 * replaces the old, or its error shows and the last good version goes on. */
static void apply_one(agent *ag, dag_entry *de, dag *m, char *error)
{
    if (m && !de->model) {
        if (!take_id(ag, de, m)) {
            free(error);
            events_dag(ag, de, "error");
            return;
        }
    } else if (m && strcmp(m->id, de->dag_id) != 0) {
        error = xasprintf("%s: the DAG id changed from \"%s\" to \"%s\"; rename by moving the "
                          "file aside and adding a new one",
                          de->file, de->dag_id, m->id);
        dag_free(m);
        m = NULL;
    }
    if (!m) {
        set_error(de, error);
        events_dag(ag, de, "error");
        return;
    }
    set_error(de, NULL);
    if (de->removed) { /* a member back in its family before its entry went */
        de->removed = false;
        de->paused = store_dag_sync(ag->db, de->dag_id, de->file);
    }
    if (de->model) {
        swap_model(ag, de, m);
        versions_seen(ag, de);
        de->refill = true; /* max_active_runs may have changed */
    } else {
        de->model = m; /* first good version of a file that was broken */
        versions_seen(ag, de);
        recovery_adopt_runs(ag, de);
    }
    scheduler_plan(ag, de);
    log_debug("reloaded DAG %s from %s", de->dag_id, de->file);
    events_dag(ag, de, "reloaded");
}

/* A new entry for model M of the file of J (or for its ERROR). */
static void add_entry(agent *ag, load_job *j, dag *m, char *error)
{
    dag_entry *de = dagdir_entry_new(j->path, j->name, &j->stamp, m, error);
    ag->dags = xrealloc(ag->dags, (ag->n_dags + 1) * sizeof *ag->dags);
    ag->dags[ag->n_dags++] = de;
    dag_entry *holder = de->model ? id_holder(ag, de->dag_id, de) : NULL;
    if (holder) { /* listed with its error; the holder keeps the id */
        dagdir_make_duplicate(de, holder);
        log_error("%s", de->error);
        events_dag(ag, de, "error");
        return;
    }
    de->paused = store_dag_sync(ag->db, de->dag_id, de->file);
    if (de->model) {
        versions_seen(ag, de);
        recovery_adopt_runs(ag, de);
        scheduler_plan(ag, de);
        log_debug("added DAG %s from %s", de->dag_id, de->file);
    }
    events_dag(ag, de, de->model ? "added" : "error");
}

/* An entry whose DAG the file no longer defines (a member left its
 * family): no new runs; it goes once its active runs are done. */
static void retire(dag_entry *de, const char *why)
{
    if (de->removed)
        return;
    de->removed = true;
    de->next_due_us = de->next_logical_us = -1;
    char *file = utf8_escape(de->file);
    set_error(de, xasprintf("%s: %s", file, why));
    free(file);
}

/* A changed file. A plain file that stays plain keeps its one entry (an id
 * change is refused, as before families); otherwise the file's DAGs are
 * matched to its entries by id: new members are added, members gone are
 * retired, the others reload. */
static void apply_reload(agent *ag, load_batch *b, load_job *j)
{
    /* Parsed with another default zone than the config has now: keep the
     * stamp stale so that the next look parses it again. */
    bool fresh = strcmp(b->timezone, ag->cfg.timezone ? ag->cfg.timezone : "") == 0;
    dag_entry **mine = NULL;
    size_t n_mine = 0;
    for (size_t i = 0; i < ag->n_dags; i++) {
        if (strcmp(ag->dags[i]->file, j->path) != 0)
            continue;
        if (fresh)
            ag->dags[i]->stamp = j->stamp;
        mine = xrealloc(mine, (n_mine + 1) * sizeof *mine);
        mine[n_mine++] = ag->dags[i];
    }
    char *error = NULL;
    size_t n = finish_job(ag, j, &error);
    size_t live = 0;
    dag_entry *one = NULL;
    for (size_t i = 0; i < n_mine; i++)
        if (!mine[i]->removed) {
            live++;
            one = mine[i];
        }
    bool was_plain = live == 1 && (!one->model || !one->model->family);
    if (!n || (is_plain(j) && was_plain)) {
        /* Broken: every entry shows the error and keeps its last good version. */
        for (size_t i = 0; !n && i < n_mine; i++)
            if (!mine[i]->removed)
                apply_one(ag, mine[i], NULL, xstrdup(error ? error : "cannot load"));
        if (n)
            apply_one(ag, one, j->models[0], NULL);
        free(error);
        j->n_models = 0;
        free(j->models);
        j->models = NULL;
        free(mine);
        return;
    }
    bool *used = xcalloc(n_mine ? n_mine : 1, sizeof *used);
    for (size_t k = 0; k < n; k++) {
        dag *m = j->models[k];
        j->models[k] = NULL;
        size_t at = n_mine;
        for (size_t i = 0; i < n_mine && at == n_mine; i++)
            if (!used[i] && mine[i]->model && strcmp(mine[i]->dag_id, m->id) == 0)
                at = i;
        if (at < n_mine) {
            used[at] = true;
            apply_one(ag, mine[at], m, NULL);
        } else {
            add_entry(ag, j, m, NULL);
        }
    }
    for (size_t i = 0; i < n_mine; i++)
        if (!used[i])
            retire(mine[i], "no longer defined by this file");
    free(used);
    free(mine);
}

static void apply_new(agent *ag, load_job *j)
{
    char *error = NULL;
    size_t n = finish_job(ag, j, &error);
    if (!n)
        add_entry(ag, j, NULL, error);
    for (size_t k = 0; k < n; k++) {
        add_entry(ag, j, j->models[k], NULL);
        j->models[k] = NULL;
    }
}

/* A removed file: no new runs; its history stays in the store; the entry
 * goes once its active runs are done. */
static void drop_removed(agent *ag)
{
    size_t kept = 0, n = ag->n_dags;
    dag_entry **gone = xcalloc(n ? n : 1, sizeof *gone);
    size_t n_gone = 0;
    for (size_t i = 0; i < n; i++) {
        dag_entry *de = ag->dags[i];
        if (de->removed && runs_open(ag, de) == 0)
            gone[n_gone++] = de;
        else
            ag->dags[kept++] = de;
    }
    ag->n_dags = kept;
    /* Announced once the list holds only live entries: subscribers read it. */
    for (size_t k = 0; k < n_gone; k++) {
        events_dag(ag, gone[k], "removed");
        dag_entry_free(gone[k]);
    }
    free(gone);
}

static int by_id(const void *a, const void *b)
{
    const dag_entry *x = *(dag_entry *const *)a, *y = *(dag_entry *const *)b;
    int c = strcmp(x->dag_id, y->dag_id);
    return c ? c : strcmp(x->file, y->file); /* one order for duplicates too */
}

static void finish_pass(agent *ag)
{
    drop_removed(ag);
    if (ag->n_dags) /* no array when the last file went */
        qsort(ag->dags, ag->n_dags, sizeof *ag->dags, by_id);
    file_triggers_sync(ag); /* a new or changed trigger_files glob is watched now */
    engine_pass(ag);
    if (!ag->reload_again) /* the last batch of a SIGHUP reload is in */
        service_reloaded(ag);
}

static void batch_add(load_batch *b, dag_entry *de, const char *path, const char *name)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 8;
        b->jobs = xrealloc(b->jobs, b->cap * sizeof *b->jobs);
    }
    load_job *j = &b->jobs[b->n++];
    memset(j, 0, sizeof *j);
    j->de = de;
    j->path = xstrdup(path);
    j->name = xstrdup(name);
    dagdir_file_stamp(path, &j->stamp);
}

static void batch_free(load_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        dag_free_all(b->jobs[i].models, b->jobs[i].n_models);
        diag_free(&b->jobs[i].diags);
        free(b->jobs[i].path);
        free(b->jobs[i].name);
    }
    free(b->jobs);
    free(b->timezone);
    free(b);
}

/* On a pool thread: nothing here touches the agent. */
static void parse_batch(uv_work_t *w)
{
    load_batch *b = w->data;
    for (size_t i = 0; i < b->n; i++)
        b->jobs[i].n_models =
            dag_load_file_all(b->jobs[i].path, b->timezone, &b->jobs[i].diags, &b->jobs[i].models);
}

static int job_order(const void *a, const void *b)
{
    const load_job *x = a, *y = b;
    if (!x->de != !y->de)
        return x->de ? -1 : 1; /* known entries first, in their order */
    return strcmp(x->path, y->path);
}

static void after_parse(uv_work_t *w, int status)
{
    load_batch *b = w->data;
    agent *ag = b->ag;
    ag->loading = NULL;
    if (status == 0 && !ag->stopping) {
        for (size_t i = 0; i < b->n; i++) {
            if (b->jobs[i].de)
                apply_reload(ag, b, &b->jobs[i]);
            else
                apply_new(ag, &b->jobs[i]);
        }
        finish_pass(ag);
    }
    batch_free(b);
    if (ag->reload_again && !ag->stopping) {
        ag->reload_again = false;
        reload_dags(ag);
    }
}

void reload_dags(agent *ag)
{
    if (ag->loading) { /* one batch at a time: look again once it is in */
        ag->reload_again = true;
        return;
    }
    load_batch *b = xcalloc(1, sizeof *b);
    b->ag = ag;
    b->timezone = xstrdup(ag->cfg.timezone ? ag->cfg.timezone : "");
    strindex *queued = strindex_new(); /* files with a job */
    for (size_t i = 0; i < ag->n_dags; i++) {
        dag_entry *de = ag->dags[i];
        struct stat st;
        if (stat(de->file, &st) != 0) {
            if (!de->removed) {
                de->removed = true;
                de->next_due_us = de->next_logical_us = -1;
                char *file = utf8_escape(de->file);
                set_error(de, xasprintf("%s: file removed", file));
                free(file);
            }
            continue;
        }
        file_stamp now;
        dagdir_file_stamp(de->file, &now);
        /* A duplicate loads again once nobody holds its id (the holder was
         * removed or renamed). */
        bool freed = de->duplicate && !id_holder(ag, de->dag_id, de);
        /* One job a file: a family's entries share theirs. */
        if (strindex_get(queued, de->file) == (size_t)-1 &&
            (freed || memcmp(&now, &de->stamp, sizeof now) != 0)) {
            const char *slash = strrchr(de->file, '/');
            strindex_add(queued, de->file, b->n);
            batch_add(b, de, de->file, slash ? slash + 1 : de->file);
        }
    }
    strindex_free(queued);
    DIR *dir = opendir(ag->cfg.dags_dir);
    for (struct dirent *e; dir && (e = readdir(dir));) {
        if (!dagdir_is_dag_file(e->d_name))
            continue;
        char *path = xasprintf("%s/%s", ag->cfg.dags_dir, e->d_name);
        if (!find_by_file(ag, path))
            batch_add(b, NULL, path, e->d_name);
        free(path);
    }
    if (dir)
        closedir(dir);
    if (b->n == 0) {
        batch_free(b);
        finish_pass(ag);
        return;
    }
    qsort(b->jobs, b->n, sizeof *b->jobs, job_order);
    b->work.data = b;
    ag->loading = b;
    int rc = uv_queue_work(ag->loop, &b->work, parse_batch, after_parse);
    if (rc) { /* cannot happen with a live loop; parse here rather than never */
        parse_batch(&b->work);
        after_parse(&b->work, 0);
    }
}

static void on_debounced(uv_timer_t *t)
{
    reload_dags(t->data);
}

static void on_dags_changed(uv_fs_event_t *h, const char *name, int events, int status)
{
    (void)name, (void)events, (void)status;
    agent *ag = h->data;
    uv_timer_start(&ag->reload_timer, on_debounced, RELOAD_DEBOUNCE_MS, 0);
}

static void on_sighup(uv_signal_t *s, int signum)
{
    (void)signum;
    agent *ag = s->data;
    log_info("SIGHUP, reloading the config and the DAG files");
    service_reloading(ag);
    reload_config(ag);
    reload_dags(ag);
}

void reload_start(agent *ag)
{
    uv_timer_init(ag->loop, &ag->reload_timer);
    ag->reload_timer.data = ag;
    uv_fs_event_init(ag->loop, &ag->dags_watch);
    ag->dags_watch.data = ag;
    int rc = uv_fs_event_start(&ag->dags_watch, on_dags_changed, ag->cfg.dags_dir, 0);
    if (rc)
        log_warn("cannot watch %s (%s); send SIGHUP to reload DAG files", ag->cfg.dags_dir,
                 uv_strerror(rc));
    uv_signal_init(ag->loop, &ag->sig_hup);
    ag->sig_hup.data = ag;
    uv_signal_start(&ag->sig_hup, on_sighup, SIGHUP);
}

void reload_stop(agent *ag)
{
    uv_fs_event_stop(&ag->dags_watch);
    uv_timer_stop(&ag->reload_timer);
    uv_signal_stop(&ag->sig_hup);
}

void reload_config(agent *ag)
{
    if (!ag->cfg.file)
        return;
    config next;
    diag_list diags = {0};
    int rc = config_load(&next, ag->cfg.file, &diags);
    log_diags(&diags, true);
    diag_free(&diags);
    if (rc) {
        log_error("%s has errors; the running config stays", ag->cfg.file);
        config_free(&next);
        return;
    }
    /* Keep what only a restart may change (paths, the Docker host; the
     * config table's restart-only rows); take the rest. Notifiers are
     * looked up by name at each use (notify.c), and their url_files were
     * just read again. */
    strlist changed = {0};
    config_keep_restart_only(&next, &ag->cfg, &changed);
    if (changed.n) {
        strbuf names = {0};
        for (size_t i = 0; i < changed.n; i++)
            sb_appendf(&names, "%s%s",
                       i == 0               ? ""
                       : i + 1 == changed.n ? " and "
                                            : ", ",
                       changed.items[i]);
        log_warn("%s change%s at the next start", names.data, changed.n == 1 ? "s" : "");
        sb_free(&names);
    }
    strlist_free(&changed);
    config old = ag->cfg;
    ag->cfg = next;
    config_free(&old);
    chmod(ag->cfg.socket, (mode_t)ag->cfg.socket_mode);
    slots_recount(ag); /* pools may have changed */
    /* Every file again: pools or the default zone may have changed. */
    for (size_t i = 0; i < ag->n_dags; i++)
        memset(&ag->dags[i]->stamp, 0, sizeof ag->dags[i]->stamp);
}

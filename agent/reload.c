#include "reload.h"
#include "dagdir.h"
#include "events.h"
#include "runner.h"
#include "scheduler.h"
#include "store.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Editors write a file in several steps; act once they are done. */
#define RELOAD_DEBOUNCE_MS 200

static dag_entry *find_by_file(agent *ag, const char *path)
{
    for (size_t i = 0; i < ag->n_dags; i++)
        if (strcmp(ag->dags[i]->file, path) == 0)
            return ag->dags[i];
    return NULL;
}

static bool id_taken(agent *ag, const char *id, const dag_entry *self)
{
    for (size_t i = 0; i < ag->n_dags; i++)
        if (ag->dags[i] != self && !ag->dags[i]->removed && strcmp(ag->dags[i]->dag_id, id) == 0)
            return true;
    return false;
}

static void set_error(dag_entry *de, char *error)
{
    free(de->error);
    de->error = error;
}

/* A changed file: the new version replaces the old, or its error shows and
 * the last good version goes on. */
static void reload_entry(agent *ag, dag_entry *de)
{
    diag_list diags = {0};
    char *error = NULL;
    dagdir_file_stamp(de->file, &de->stamp);
    dag *m = dagdir_load_checked(&ag->cfg, de->file, &diags, &error);
    diag_print_prefixed(&diags, stderr, "dagd: ");
    diag_free(&diags);
    if (m && strcmp(m->id, de->dag_id) != 0) {
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
    if (de->model) {
        runner_swap_model(ag, de, m);
    } else {
        de->model = m; /* first good version of a file that was broken */
        runner_adopt_runs(ag, de);
    }
    scheduler_plan(ag, de);
    events_dag(ag, de, "reloaded");
}

static void add_file(agent *ag, const char *path, const char *name)
{
    diag_list diags = {0};
    dag_entry *de = dagdir_load_entry(&ag->cfg, path, name, &diags);
    diag_print_prefixed(&diags, stderr, "dagd: ");
    diag_free(&diags);
    if (id_taken(ag, de->dag_id, NULL)) {
        fprintf(stderr, "dagd: %s: DAG id \"%s\" is already used by another file\n", path,
                de->dag_id);
        dag_entry_free(de);
        return;
    }
    ag->dags = xrealloc(ag->dags, (ag->n_dags + 1) * sizeof *ag->dags);
    ag->dags[ag->n_dags++] = de;
    de->paused = store_dag_sync(ag->db, de->dag_id, de->file);
    if (de->model) {
        runner_adopt_runs(ag, de);
        scheduler_plan(ag, de);
    }
    events_dag(ag, de, de->model ? "added" : "error");
}

/* A removed file: no new runs; its history stays in the store; the entry
 * goes once its active runs are done. */
static void drop_removed(agent *ag)
{
    size_t kept = 0;
    for (size_t i = 0; i < ag->n_dags; i++) {
        dag_entry *de = ag->dags[i];
        if (de->removed && runner_open_runs(ag, de) == 0) {
            events_dag(ag, de, "removed");
            dag_entry_free(de);
        } else {
            ag->dags[kept++] = de;
        }
    }
    ag->n_dags = kept;
}

static int by_id(const void *a, const void *b)
{
    return strcmp((*(dag_entry *const *)a)->dag_id, (*(dag_entry *const *)b)->dag_id);
}

void reload_dags(agent *ag)
{
    for (size_t i = 0; i < ag->n_dags; i++) {
        dag_entry *de = ag->dags[i];
        struct stat st;
        if (stat(de->file, &st) != 0) {
            if (!de->removed) {
                de->removed = true;
                de->next_due_us = de->next_logical_us = -1;
                set_error(de, xasprintf("%s: file removed", de->file));
            }
            continue;
        }
        file_stamp now;
        dagdir_file_stamp(de->file, &now);
        if (memcmp(&now, &de->stamp, sizeof now) != 0)
            reload_entry(ag, de);
    }
    DIR *dir = opendir(ag->cfg.dags_dir);
    for (struct dirent *e; dir && (e = readdir(dir));) {
        if (!dagdir_is_dag_file(e->d_name))
            continue;
        char *path = xasprintf("%s/%s", ag->cfg.dags_dir, e->d_name);
        if (!find_by_file(ag, path))
            add_file(ag, path, e->d_name);
        free(path);
    }
    if (dir)
        closedir(dir);
    drop_removed(ag);
    if (ag->n_dags) /* no array when the last file went */
        qsort(ag->dags, ag->n_dags, sizeof *ag->dags, by_id);
    runner_pass(ag);
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
    fprintf(stderr, "dagd: SIGHUP, reloading the config and the DAG files\n");
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
        fprintf(stderr, "dagd: cannot watch %s (%s); send SIGHUP to reload DAG files\n",
                ag->cfg.dags_dir, uv_strerror(rc));
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

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

void reload_config(agent *ag)
{
    if (!ag->cfg.file)
        return;
    config next;
    diag_list diags = {0};
    int rc = config_load(&next, ag->cfg.file, &diags);
    diag_print_prefixed(&diags, stderr, "dagd: ");
    diag_free(&diags);
    if (rc) {
        fprintf(stderr, "dagd: %s has errors; the running config stays\n", ag->cfg.file);
        config_free(&next);
        return;
    }
    if (!same(next.state_dir, ag->cfg.state_dir) || !same(next.dags_dir, ag->cfg.dags_dir) ||
        !same(next.socket, ag->cfg.socket))
        fprintf(stderr, "dagd: state_dir, dags_dir and socket change at the next start\n");
    /* Keep what only a restart may change (paths, the Docker host); take
     * the rest. Notifiers are looked up by name at each use (notify.c), and
     * their url_files were just read again. */
    config old = ag->cfg;
    ag->cfg = next;
#define KEEP(field)                                                                                \
    do {                                                                                           \
        ag->cfg.field = old.field;                                                                 \
        old.field = next.field;                                                                    \
    } while (0)
    KEEP(state_dir);
    KEEP(dags_dir);
    KEEP(socket);
    KEEP(docker_host);
#undef KEEP
    config_free(&old);
    chmod(ag->cfg.socket, (mode_t)ag->cfg.socket_mode);
    runner_recount(ag); /* pools may have changed */
    /* Every file again: pools or the default zone may have changed. */
    for (size_t i = 0; i < ag->n_dags; i++)
        memset(&ag->dags[i]->stamp, 0, sizeof ag->dags[i]->stamp);
}

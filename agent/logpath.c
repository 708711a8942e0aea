#include "logpath.h"
#include "fsutil.h"
#include "try_status.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *logpath_root(const char *state_dir)
{
    return xasprintf("%s/logs", state_dir);
}

/* Each stored name is escaped into one path part (fs_part), so that no
 * name, however it came into the store, leads out of logs/. A task's file
 * names are its part with ".N.log" after it: a part holds no '/', so no
 * two tasks' names meet, and an older agent's folder TASK/ is apart. */
static void append_run_dir(strbuf *sb, const char *state_dir, const char *dag_id,
                           const char *run_id)
{
    char *d = fs_part(dag_id), *r = fs_part(run_id);
    sb_append(sb, state_dir);
    sb_append(sb, "/logs/");
    sb_append(sb, d);
    sb_append(sb, "/");
    sb_append(sb, r);
    free(d);
    free(r);
}

char *logpath_run_dir(const char *state_dir, const char *dag_id, const char *run_id)
{
    strbuf sb = {0};
    append_run_dir(&sb, state_dir, dag_id, run_id);
    return sb_take(&sb);
}

/* SEP between the task and the try: "." (new) or "/" (old). Appended, not
 * formatted: several a try, where printf cost more than the rest. */
static char *try_path(const char *state_dir, const char *dag_id, const char *run_id,
                      const char *task_id, char sep, int try_number, const char *suffix)
{
    strbuf sb = {0};
    append_run_dir(&sb, state_dir, dag_id, run_id);
    char *t = fs_part(task_id);
    sb_append(&sb, "/");
    sb_append(&sb, t);
    sb_append_len(&sb, &sep, 1);
    sb_append_int(&sb, try_number);
    sb_append(&sb, ".");
    sb_append(&sb, suffix);
    free(t);
    return sb_take(&sb);
}

char *logpath_try(const char *state_dir, const char *dag_id, const char *run_id,
                  const char *task_id, int try_number)
{
    return try_path(state_dir, dag_id, run_id, task_id, '.', try_number, "log");
}

void logpath_files(const char *state_dir, const char *dag_id, const char *run_id,
                   const char *task_id, int try_number, try_files *f)
{
    f->log = logpath_try(state_dir, dag_id, run_id, task_id, try_number);
    f->status = xstrdup(f->log);
    f->header = TRY_STATUS_RECORD;
    f->old = false;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

void logpath_find(const char *state_dir, const char *dag_id, const char *run_id,
                  const char *task_id, int try_number, try_files *f)
{
    logpath_files(state_dir, dag_id, run_id, task_id, try_number, f);
    if (exists(f->log))
        return;
    char *log = try_path(state_dir, dag_id, run_id, task_id, '/', try_number, "log");
    char *status = try_path(state_dir, dag_id, run_id, task_id, '/', try_number, "status");
    if (exists(log) || exists(status)) {
        try_files_free(f);
        f->log = log;
        f->status = status;
        f->header = 0;
        f->old = true;
        return;
    }
    free(log);
    free(status);
}

void try_files_free(try_files *f)
{
    free(f->log);
    free(f->status);
    f->log = f->status = NULL;
}

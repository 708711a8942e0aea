#include "logpath.h"
#include "fsutil.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

char *logpath_root(const char *state_dir)
{
    return xasprintf("%s/logs", state_dir);
}

/* Each stored name is escaped into one path part (fs_part), so that no
 * name, however it came into the store, leads out of logs/. */
char *logpath_run_dir(const char *state_dir, const char *dag_id, const char *run_id)
{
    char *d = fs_part(dag_id), *r = fs_part(run_id);
    char *path = xasprintf("%s/logs/%s/%s", state_dir, d, r);
    free(d);
    free(r);
    return path;
}

char *logpath_try(const char *state_dir, const char *dag_id, const char *run_id,
                  const char *task_id, int try_number)
{
    char *d = fs_part(dag_id), *r = fs_part(run_id), *t = fs_part(task_id);
    char *path = xasprintf("%s/logs/%s/%s/%s/%d.log", state_dir, d, r, t, try_number);
    free(d);
    free(r);
    free(t);
    return path;
}

char *logpath_status(const char *log_path)
{
    size_t n = strlen(log_path);
    if (n > 4 && strcmp(log_path + n - 4, ".log") == 0)
        n -= 4;
    return xasprintf("%.*s.status", (int)n, log_path);
}

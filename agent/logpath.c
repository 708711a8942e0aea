#include "logpath.h"
#include "util.h"

#include <string.h>

char *logpath_root(const char *state_dir)
{
    return xasprintf("%s/logs", state_dir);
}

char *logpath_run_dir(const char *state_dir, const char *dag_id, const char *run_id)
{
    return xasprintf("%s/logs/%s/%s", state_dir, dag_id, run_id);
}

char *logpath_try(const char *state_dir, const char *dag_id, const char *run_id,
                  const char *task_id, int try_number)
{
    return xasprintf("%s/logs/%s/%s/%s/%d.log", state_dir, dag_id, run_id, task_id, try_number);
}

char *logpath_status(const char *log_path)
{
    size_t n = strlen(log_path);
    if (n > 4 && strcmp(log_path + n - 4, ".log") == 0)
        n -= 4;
    return xasprintf("%.*s.status", (int)n, log_path);
}

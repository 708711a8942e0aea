#include "try_plan.h"
#include "template.h"
#include "try_outputs.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct try_plan *try_plan_make(agent *ag, run *r, size_t i, char *log_path, int log_fd)
{
    struct try_plan *p = xcalloc(1, sizeof *p);
    p->log_path = log_path;
    p->log_fd = log_fd;
    task_vars_init(&p->vars, r, i);
    task_vars_load(&p->vars, ag->db, r, i);
    p->output_path = try_output_path(log_path);
    p->vars.output_path = p->output_path;
    const dag_task *task = &r->model->tasks[i];
    p->command = template_render(task->command, &p->vars.ctx, true, p->err, sizeof p->err);
    /* A container gets no log path (nor the agent's environment). */
    bool local = task->executor == EXECUTOR_LOCAL;
    if (p->command &&
        !task_env_prepare(&p->vars, task, local ? log_path : NULL, p->err, sizeof p->err)) {
        free(p->command); /* not started: the try fails with ERR */
        p->command = NULL;
    }
    return p;
}

void try_plan_free(struct try_plan *p)
{
    if (!p)
        return;
    task_vars_free(&p->vars);
    if (p->log_fd >= 0)
        close(p->log_fd);
    free(p->output_path);
    free(p->log_path);
    free(p->command);
    free(p);
}

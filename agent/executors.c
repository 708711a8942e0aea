#include "executors.h"
#include "docker_task.h"
#include "local_task.h"
#include "swarm_task.h"

#include <stddef.h>

/* The built-in executors, asked in this order: the first that claims a task
 * runs it. A new executor is one more row (and its own files). */
static const executor_ops *const builtin[] = {&swarm_executor, &docker_executor, &local_executor};

#define REGISTERED_MAX 4
static const executor_ops *registered[REGISTERED_MAX];
static size_t n_registered;

const executor_ops *executor_for(const dag_task *task)
{
    for (size_t k = n_registered; k-- > 0;)
        if (registered[k]->claims(task))
            return registered[k];
    for (size_t k = 0; k < sizeof builtin / sizeof *builtin; k++)
        if (builtin[k]->claims(task))
            return builtin[k];
    return &local_executor;
}

void executor_register(const executor_ops *ops)
{
    if (n_registered < REGISTERED_MAX)
        registered[n_registered++] = ops;
}

void executor_unregister_all(void)
{
    n_registered = 0;
}

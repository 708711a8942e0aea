/* The table of executors: which one runs a task. */
#ifndef DAGD_EXECUTORS_H
#define DAGD_EXECUTORS_H

#include "executor.h"

/* The first executor that claims TASK (registered ones first, then docker
 * for a task with an image, then local). */
const executor_ops *executor_for(const dag_task *task);
/* Put OPS ahead of the built-in ones (tests; at most a few). */
void executor_register(const executor_ops *ops);
void executor_unregister_all(void);

#endif

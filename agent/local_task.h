/* A task try as a local process (exec_local.c): the glue between the
 * runner's task instance and the local executor's request. */
#ifndef DAGD_LOCAL_TASK_H
#define DAGD_LOCAL_TASK_H

#include "executor.h"

extern const executor_ops local_executor;

#endif

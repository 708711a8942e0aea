/* Retention: runs, task instances, logs and audit records older than
 * keep_days go, in small steps that never hold the store for long; once at
 * start and then daily. */
#ifndef DAGD_RETENTION_H
#define DAGD_RETENTION_H

#include "agent.h"

void retention_start(agent *ag);
void retention_stop(agent *ag);

#endif

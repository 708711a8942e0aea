/* The pass: the one place where the agent's modules meet. A pass creates
 * the scheduled runs that are due (scheduler), advances every task
 * instance that can move (runner), then arms the one timer for what comes
 * next (scheduler), all in one batch. Modules below it (runner, batch,
 * scheduler's timer) ask for a pass through the agent's hook. */
#ifndef DAGD_ENGINE_H
#define DAGD_ENGINE_H

#include "agent.h"

/* Set up the timer and the hooks (ag->pass, ag->launch). */
void engine_init(agent *ag);
/* Decide and start everything that can move now. Safe to call at any time;
 * a call from inside a pass makes the pass go round once more. */
void engine_pass(agent *ag);

#endif

/* One agent per state directory: an exclusive flock on <state_dir>/dagd.lock,
 * held for the agent's whole life. The kernel drops it with the process, so a
 * SIGKILLed agent never leaves a stale lock; the file holds the pid for
 * people. The caller owns the returned descriptor (close releases it). */
#ifndef DAGD_STATELOCK_H
#define DAGD_STATELOCK_H

#include <stddef.h>

/* The lock's descriptor (close-on-exec: tasks never inherit it), or -1 with a
 * message in ERR: "<state_dir> is in use by agent <pid>" when another agent
 * holds it. Touches nothing in STATE_DIR but the lock file (and makes the
 * folder when it is missing). */
int statelock_acquire(const char *state_dir, char *err, size_t errlen);

#endif

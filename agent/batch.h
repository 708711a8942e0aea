/* The batch: changes made between begin and end are one store transaction;
 * processes of the tries claimed meanwhile start after the commit (the
 * agent's launch hook), events go out after it. A refused commit puts the
 * agent in degraded mode: memory holds the truth, nothing starts, and
 * everything is written again every few seconds until the store takes it. */
#ifndef DAGD_BATCH_H
#define DAGD_BATCH_H

#include "agent.h"

/* Nestable. */
void batch_begin(agent *ag);
/* -1 when the store refused the batch: then nothing of it is announced, the
 * agent is degraded (starts nothing) and writes everything again when it
 * can. */
int batch_end(agent *ag);

/* The state folder cannot take a try's status file at PATH (disk full, no
 * descriptors, errno says why): start nothing until a resync, as when the
 * store refuses. */
void batch_hold_starts(agent *ag, const char *path);

/* Try T was claimed in this batch: its process starts after the commit. */
void batch_add_pending(agent *ag, ti *t);

/* Instance I of R changed in memory in a way that need not hold back the
 * batch's starts (it was queued for a slot): it is stored, and announced,
 * in a commit of its own right after them. A fan-out's 200 instances
 * queued at once cost the first two tries 1-2 ms when stored first. */
void batch_save_later(agent *ag, run *r, size_t i);

/* The pids of tries just started are written a moment later, in a commit
 * of their own, if they are still running then. */
void batch_save_pids_soon(agent *ag);

#endif

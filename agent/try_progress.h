/* An executor's progress report for a claimed try (exec_progress_fn); ARG
 * is its task instance: waiting (WAITING_FOR set: shown queued, with why) or
 * running (on NODE). Saved and announced when it changed. */
#ifndef DAGD_TRY_PROGRESS_H
#define DAGD_TRY_PROGRESS_H

void try_progress(void *arg, const char *waiting_for, const char *node);

#endif

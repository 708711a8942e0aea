/* Facts about processes from /proc, for following a try across an agent
 * restart. */
#ifndef DAGD_PROCUTIL_H
#define DAGD_PROCUTIL_H

#include <stdbool.h>
#include <stdint.h>

/* Start time of PID in clock ticks since boot (field 22 of /proc/PID/stat),
 * or -1 when there is no such process. */
int64_t proc_start_ticks(int pid);
/* The state letter of PID (R S D Z X …), 0 when there is no such process. */
char proc_state(int pid);
/* PID is alive and is the process that started at START (not a reuse). */
bool proc_is_same(int pid, int64_t start);
/* The group leader of a live process whose environment holds exactly
 * NAME=VALUE, or 0 (none, or its leader is gone). */
int proc_find_by_env(const char *name, const char *value);
/* SIGKILL every process holding NAME=VALUE; returns how many. */
int proc_kill_by_env(const char *name, const char *value);

#endif

/* A try's status file (N.status beside its log N.log): how far the try got,
 * for an agent that restarts. Its one record has a fixed size and is written
 * when the try is claimed, so that its space is taken then: the shell later
 * overwrites it in place (sh's `1<>` does not truncate), which needs no new
 * block on a full disk, where the log's exit line may be lost. */
#ifndef DAGD_TRY_STATUS_H
#define DAGD_TRY_STATUS_H

#include <stddef.h>

enum try_status {
    TRY_STATUS_MISSING, /* no file (a try of an older agent, or unreadable) */
    TRY_STATUS_CLAIMED, /* claimed; nothing of it ran yet */
    TRY_STATUS_STARTED, /* its shell or container started */
    TRY_STATUS_EXITED,  /* ended with an exit status */
};

/* Every record is this long, newline included. */
#define TRY_STATUS_RECORD 16

/* The status file of the try whose log is LOG_PATH (new string). */
char *try_status_path(const char *log_path);
/* Create or reset PATH (and its folders) to "claimed". 0, or -1 (errno). */
int try_status_claim(const char *path);
/* Overwrite the record in place with "started". 0, or -1 (errno). */
int try_status_started(const char *path);
/* What PATH says; *EXIT_CODE for TRY_STATUS_EXITED. */
enum try_status try_status_read(const char *path, int *exit_code);
/* The shell (exec_local.c) writes "started" and "exit N" records itself,
 * in place: "exit %-10d\n" is one record. */

#endif

/* A try's status record: how far the try got, for an agent that restarts.
 * It heads the try's log (logpath.h; an older agent's tries have it in
 * N.status beside N.log). It has a fixed size and is written when the try
 * is claimed, so that its space is taken then: the shell later overwrites
 * it in place (sh's `1<>` neither truncates nor appends), which needs no
 * new block on a full disk, where the log's exit line may be lost. The
 * try's output is appended after it (O_APPEND). */
#ifndef DAGD_TRY_STATUS_H
#define DAGD_TRY_STATUS_H

#include <stddef.h>

enum try_status {
    TRY_STATUS_MISSING, /* no record (a try of an older agent, or unreadable) */
    TRY_STATUS_CLAIMED, /* claimed; nothing of it ran yet */
    TRY_STATUS_STARTED, /* its shell or container started */
    TRY_STATUS_EXITED,  /* ended with an exit status */
};

/* Every record is this long, newline included. */
#define TRY_STATUS_RECORD 16

/* REC as the record that says WORD: padded with spaces, then a newline
 * (TRY_STATUS_RECORD bytes and a terminating NUL). */
void try_status_record(char rec[TRY_STATUS_RECORD + 1], const char *word);
/* Write "claimed" at the start of PATH, made (with its folders) when it is
 * missing; what follows the record stays (a try started again keeps what
 * its first claim logged). The descriptor it wrote through (write-only,
 * close-on-exec, non-blocking, not appending: the try's process gets it
 * as its output), or -1 (errno). */
int try_status_claim(const char *path);
/* Overwrite the record in place with "started". 0, or -1 (errno). */
int try_status_started(const char *path);
/* What PATH says; *EXIT_CODE for TRY_STATUS_EXITED. */
enum try_status try_status_read(const char *path, int *exit_code);
/* A local try's "started" is written by its spawned child just before the
 * exec (proc_spawn.h), its "exit N" by its shell (exec_local.c), both in
 * place: "exit %-10d\n" is one record. */

#endif

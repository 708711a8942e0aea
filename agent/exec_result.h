/* How a try ended, as every executor reports it to the runner. */
#ifndef DAGD_EXEC_RESULT_H
#define DAGD_EXEC_RESULT_H

#include <stdbool.h>

typedef struct exec_result {
    int exit_code; /* -1 when killed by a signal or unknown */
    int term_signal;
    bool timed_out;
    bool spawn_failed;
    bool status_unknown; /* a followed try ended without its exit line */
    bool not_started;    /* nothing of the try ever ran: start it again, same try */
    char *last_line;     /* last stdout line, for branch tasks (else NULL) */
} exec_result;

typedef void (*exec_done_fn)(void *arg, const exec_result *res);

/* A try that waits before it runs (a swarm job no node takes yet) says why
 * (WAITING_FOR; NULL once it runs) and where it runs (NODE, NULL: not
 * known). Optional: executors whose tries never wait do not call it. ARG
 * is DONE's. */
typedef void (*exec_progress_fn)(void *arg, const char *waiting_for, const char *node);

#endif

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

#endif

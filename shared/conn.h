/* A blocking client connection to the agent: send a request, read its
 * reply (events that arrive meanwhile are handed to a callback or dropped). */
#ifndef DAGD_CONN_H
#define DAGD_CONN_H

#include "util.h"

#include <jansson.h>

typedef struct conn {
    int fd;
    strbuf in;
    int next_id;
} conn;

/* The socket to use: FLAG if given, else $DAGD_SOCKET, else ./var/dagd.sock
 * when it exists, else /var/lib/dagd/dagd.sock. */
const char *conn_default_path(const char *flag);

int conn_open(conn *c, const char *path, char *err, size_t errlen);
void conn_close(conn *c);
/* Send {"id","cmd","args"} (ARGS stolen, may be NULL); returns its id. */
int conn_send(conn *c, const char *cmd, json_t *args, char *err, size_t errlen);
/* The next JSON line; TIMEOUT_MS < 0 waits for ever. NULL on timeout
 * (ERR "timeout"), closed connection or bad data. */
json_t *conn_read(conn *c, int timeout_ms, char *err, size_t errlen);
/* Send and wait for the reply with the same id, skipping events. */
json_t *conn_call(conn *c, const char *cmd, json_t *args, int timeout_ms, char *err, size_t errlen);

#endif

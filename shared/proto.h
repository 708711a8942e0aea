/* The wire envelope: one request per line, {"id","cmd","args"}; decoding
 * checks it and names the offending field. Shared by the agent and fuzzed. */
#ifndef DAGD_PROTO_H
#define DAGD_PROTO_H

#include <jansson.h>
#include <stddef.h>

/* A request line holds at most this many bytes before its newline. */
#define PROTO_MAX_LINE (1024 * 1024)

typedef struct proto_request {
    json_t *msg; /* owns the rest; json_decref(msg) when done */
    json_t *id;  /* any JSON value or NULL */
    const char *cmd;
    json_t *args; /* an object (empty when absent) */
} proto_request;

/* Decode LINE. Returns 0, or -1 with CODE ("bad_json" / "bad_request") and a
 * message in ERR; on error OUT->id may still be set (reply with it) and
 * OUT->msg must still be released with proto_request_free. */
int proto_decode_request(const char *line, size_t len, proto_request *out, const char **code,
                         char *err, size_t errlen);
void proto_request_free(proto_request *req);

#endif

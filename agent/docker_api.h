/* Calls to the Docker Engine API (v1.41; Podman's compatible API serves the
 * same paths) over http_uv: a JSON request, the reply collected, or a stream
 * handed over as it arrives. Every call is asynchronous. */
#ifndef DAGD_DOCKER_API_H
#define DAGD_DOCKER_API_H

#include "http_uv.h"

#include <stdbool.h>
#include <stddef.h>

#define DOCKER_API_VERSION "v1.41"

typedef struct docker_api docker_api;
typedef struct docker_call docker_call;

typedef struct docker_reply {
    bool transport_error; /* the engine could not be reached / the connection broke */
    bool cancelled;       /* the api is being freed: free your state, start nothing */
    long status;          /* HTTP status, 0 on a transport error */
    const char *body;     /* collected reply (not for streams); NUL-terminated */
    size_t len;
    const char *error; /* curl's message or the engine's "message"; "" when fine */
} docker_reply;

/* DONE is called exactly once per call, unless docker_call_cancel stops it. */
typedef void (*docker_reply_fn)(void *arg, const docker_reply *rep);
/* A streamed 2xx body, piece by piece. It runs inside curl's write callback:
 * it must not start or cancel any call (defer that to the loop). */
typedef void (*docker_data_fn)(void *arg, const char *data, size_t len);

/* Check HOST (unix:///path or tcp://HOST:PORT); 0, or -1 with ERR. */
int docker_host_check(const char *host, char *err, size_t errlen);

/* NULL with ERR when HOST is not valid. */
docker_api *docker_api_new(http_client *http, const char *host, char *err, size_t errlen);
/* Every call still running gets DONE with cancelled set, then it is gone. */
void docker_api_free(docker_api *api);
/* The configured host, for messages. */
const char *docker_api_host(const docker_api *api);

/* METHOD PATH (under /v1.41, with its query string) with an optional JSON
 * BODY. With DATA, a 2xx body is streamed to it instead of collected.
 * TIMEOUT_S 0: no limit (streams, waits). Returns NULL when the call could
 * not even start (DONE is not called then). */
docker_call *docker_request(docker_api *api, const char *method, const char *path, const char *body,
                            docker_data_fn data, docker_reply_fn done, void *arg, long timeout_s);
/* READY is called once the headers of a 2xx reply to C are in (from inside
 * curl's header callback: start or cancel no call there). Set it right
 * after docker_request, before the loop runs again. */
void docker_call_on_ready(docker_call *c, void (*ready)(void *arg));
/* Stop a call; its DONE is not called. */
void docker_call_cancel(docker_call *c);

/* docker_events.c's state for this api (NULL until first needed), freed
 * with it. */
struct docker_events **docker_api_events(docker_api *api);

/* PATH-safe copy of S for a query value (new string). */
char *docker_escape(docker_api *api, const char *s);

#endif

/* libcurl's multi socket interface driven by the agent's libuv loop (the
 * pattern of curl's docs/examples/multi-uv.c): transfers never block
 * scheduling. Used by the Docker executor (Engine API over a Unix socket)
 * and the notifiers (webhooks). */
#ifndef DAGD_HTTP_UV_H
#define DAGD_HTTP_UV_H

#include <curl/curl.h>
#include <uv.h>

typedef struct http_client http_client;

/* Called once when a transfer ends: RC is the CURLcode, STATUS the HTTP
 * status (0 if none), ERRBUF curl's message. After it returns the easy
 * handle is cleaned up by http_uv. */
typedef void (*http_done_fn)(void *arg, CURLcode rc, long status, const char *errbuf);

http_client *http_client_new(uv_loop_t *loop);
/* Cancels every transfer (their DONE is not called) and frees; call it
 * while the loop still runs its close callbacks (before uv_walk + uv_run). */
void http_client_free(http_client *h);

/* Neither http_start nor http_cancel may be called from inside one of
 * curl's callbacks (write, header, read): curl refuses re-entry. DONE runs
 * outside them and may call both. */

/* Run EASY (set up by the caller: URL, method, body, write callback…).
 * http_uv sets CURLOPT_PRIVATE and CURLOPT_ERRORBUFFER. Returns 0, or -1
 * (EASY cleaned up, DONE not called). */
int http_start(http_client *h, CURL *easy, http_done_fn done, void *arg);
/* Stop EASY now; its DONE is not called; EASY is cleaned up. */
void http_cancel(http_client *h, CURL *easy);

#endif

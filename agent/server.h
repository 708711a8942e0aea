/* The Unix socket server: clients, newline-delimited JSON framing, replies,
 * the event stream for subscribers. */
#ifndef DAGD_SERVER_H
#define DAGD_SERVER_H

#include "agent.h"
#include "events.h"

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

/* A client whose unsent replies grow past this is disconnected
 * (subscribers share a budget instead: server_out.c). */
#define SERVER_MAX_PENDING (8 * 1024 * 1024)

typedef struct client client;

int server_start(agent *ag, char *err, size_t errlen);
void server_stop(agent *ag);

/* Reply to request ID (borrowed); RESULT is stolen. */
void server_reply_ok(client *c, json_t *id, json_t *result);
void server_reply_error(client *c, json_t *id, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Send EVENT (stolen; NULL is ignored) to every subscriber, serialized once. */
void server_broadcast(agent *ag, json_t *event);
/* The events subscriber (ARG is the agent): EV as JSON to every client that
 * subscribed, made only when one has. */
void server_on_event(void *arg, const struct event *ev);

/* Deferred replies hold a reference; a closed client stays valid until the
 * last reference goes, and drops what is sent to it. */
void client_ref(client *c);
void client_unref(client *c);
bool client_closed(const client *c);
uid_t client_uid(const client *c);
void client_subscribe(client *c);

#endif

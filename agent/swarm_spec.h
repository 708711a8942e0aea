/* A swarm try as a service: the body of POST /services/create (a
 * replicated job of one completion) and its name. Pure JSON building: no
 * agent state, unit-tested on its own. */
#ifndef DAGD_SWARM_SPEC_H
#define DAGD_SWARM_SPEC_H

#include "util.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Service names: a DNS label, [a-zA-Z0-9-], at most 63 characters. */
#define SWARM_NAME_MAX 63

/* The labels that find a try's service again; dagd.agent tells this
 * agent's services from another's on a shared swarm. */
#define SWARM_LABEL_AGENT "dagd.agent"
#define SWARM_LABEL_LOG_OFFSET "dagd.log_offset"

typedef struct swarm_spec {
    const char *name;       /* swarm_service_name */
    const char *image;      /* rendered; never resolved to a digest */
    char *const *argv;      /* the command split like a shell splits it: Args */
    char *const *env;       /* KEY=VALUE */
    const char *entrypoint; /* split like the command: Command; NULL: the image's */
    const strlist *volumes; /* HOST:CTR[:ro|rw], HOST absolute (a bind) or a volume name */
    const char *network, *user, *workdir; /* NULL: the engine's default */
    int64_t memory;                       /* bytes, reserved and the limit; 0: none */
    double cpus;                          /* reserved and the limit; 0: none */
    const strlist *constraints;           /* node.labels.pool==gpu */
    const strlist *generic_resources;     /* KIND=N */
    const char *dag_id, *run_id, *task_id;
    int try_number;
    const char *agent_id; /* SWARM_LABEL_AGENT */
} swarm_spec;

/* The body of POST /services/create, or NULL with ERR. */
json_t *swarm_service_body(const swarm_spec *s, char *err, size_t errlen);

/* dagd-<dag>-<task>-<hash>: the ids made DNS-safe and cut to fit, the hash
 * over the whole identity (agent, DAG, run, task, try) so that two tries
 * never share a name. OUT holds SWARM_NAME_MAX + 1. */
void swarm_service_name(const char *agent_id, const char *dag_id, const char *run_id,
                        const char *task_id, int try_number, char out[SWARM_NAME_MAX + 1]);

/* This agent among others on one swarm: a hash of its host name and
 * state folder, 16 hex digits. */
void swarm_agent_id(const char *hostname, const char *state_dir, char out[17]);

/* The JSON filter that lists the services of one try (labels), for GET
 * /services?filters= (new string, not yet URL-escaped). */
char *swarm_try_filter(const char *agent_id, const char *dag_id, const char *run_id,
                       const char *task_id, int try_number);

#endif

/* A task try as a container: the create request built from the DAG task,
 * and the glue between the runner's task instance and the Docker executor
 * (exec_docker.c): start a try, follow one that outlived an agent restart,
 * tidy up dagd's containers after one. */
#ifndef DAGD_DOCKER_TASK_H
#define DAGD_DOCKER_TASK_H

#include "executor.h"

#include <jansson.h>

typedef struct docker_spec {
    const char *image;      /* rendered */
    char *const *argv;      /* the command split like a shell splits it */
    char *const *env;       /* KEY=VALUE */
    const char *entrypoint; /* split like the command; NULL: the image's */
    const strlist *volumes; /* HOST:CTR[:ro]; a relative HOST is under DAG_DIR */
    const char *dag_dir;
    const char *network, *user, *workdir; /* NULL: the engine's default */
    int64_t memory;                       /* bytes, 0: no limit */
    double cpus;                          /* 0: no limit */
    const char *dag_id, *run_id, *task_id;
    int try_number;
    bool keep;
    /* The try's output file on the agent's host, bind-mounted at
     * OUTPUT_CONTAINER_PATH ($DAGD_OUTPUT in the container); NULL: none. */
    const char *output_file;
} docker_spec;

/* A volume item with a relative HOST ("./x", "../x") under DAG_DIR, the
 * others as they are (new string). */
char *docker_resolve_bind(const char *volume, const char *dag_dir);

/* The body of POST /containers/create, or NULL with ERR. */
json_t *docker_create_body(const docker_spec *s, char *err, size_t errlen);

/* Tasks with an image run as containers. */
extern const executor_ops docker_executor;

/* After a start: remove dagd's containers whose task instance is no longer
 * running that try (finished in the store), except those kept (keep = true).
 * Containers of DAGs that are not loaded are left alone. */
void docker_sweep(agent *ag);

#endif

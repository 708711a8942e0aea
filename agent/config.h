/* The agent's INI config: tables of keys (config.c) with defaults, checks,
 * reload rules and a printer. */
#ifndef DAGD_CONFIG_H
#define DAGD_CONFIG_H

#include "diag.h"
#include "notify_config.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>

/* [access] max_clients_per_user when not given. */
#define CONFIG_DEFAULT_MAX_CLIENTS_PER_USER 64

typedef struct pool_config {
    char *name;
    int slots;
} pool_config;

typedef struct config {
    char *file;      /* the config file, NULL for the embedded default */
    char *state_dir; /* absolute */
    char *dags_dir;
    char *socket;
    int parallelism;
    char *timezone;
    int64_t memory_budget; /* bytes, 0 = auto */
    double cpu_budget;     /* 0 = auto; both resolved by config_load */
    int keep_days;
    char *metrics_file; /* NULL: none */
    int socket_mode;
    char *socket_group;
    char *operators;
    int max_clients_per_user; /* root and the agent's own user are exempt */
    char *docker_host;
    char *swarm_host; /* a swarm manager's Engine API; default: docker_host */
    pool_config *pools;
    size_t n_pools;
    notifier_config *notifiers;
    size_t n_notifiers;
} config;

/* Load FILE (NULL: the built-in defaults relative to the working folder).
 * Relative paths resolve against the file's folder. Problems go to DIAGS;
 * returns 0 when there are no errors. */
int config_load(config *cfg, const char *file, diag_list *diags);
void config_free(config *cfg);
/* A reload: NEXT takes RUNNING's value of each key that only a restart may
 * change (and RUNNING gets NEXT's, to be freed with it); CHANGED (may be
 * NULL) gets the names of those whose values differ. */
void config_keep_restart_only(config *next, config *running, strlist *changed);
/* Every key of every section, INI that config_load reads back: the value,
 * or the default; unset keys as comments; secrets as ***. */
void config_print(const config *cfg, FILE *out);
/* Row I of the tables: section kind ("agent", "pool", ...), key, CF_ flags
 * (config_key.h); false past the last row. For tests and docs. */
bool config_key_at(size_t i, const char **section, const char **key, unsigned *flags);
const pool_config *config_pool(const config *cfg, const char *name);
const notifier_config *config_notifier(const config *cfg, const char *name);

#endif

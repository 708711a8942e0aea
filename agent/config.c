#include "config.h"
#include "dag.h"
#include "admission.h"
#include "docker_api.h"
#include "timeutil.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Parsing state: the reader counts lines because the system libinih does
 * not pass line numbers to the handler. */
typedef struct config_parse {
    config *cfg;
    diag_list *diags;
    const char *file;
    const char *base_dir;
    FILE *in;
    int line;
    int section_line;  /* of the last "[...]" read */
    char header[300];  /* its text: inih cuts section names at 49 bytes */
    int reported_line; /* the section whose bad name was reported */
    const char *label; /* NAME of [pool NAME] / [notifier NAME] */
} config_parse;

typedef int (*key_setter)(config_parse *p, const char *value, char *err, size_t errlen);

/* Relative to the config's folder; tidied with realpath when it exists. */
static char *resolve_path(const char *base_dir, const char *value)
{
    char *path = value[0] == '/' ? xstrdup(value) : xasprintf("%s/%s", base_dir, value);
    char real[PATH_MAX];
    if (realpath(path, real)) {
        free(path);
        path = xstrdup(real);
    }
    return path;
}

static int parse_int(const char *value, long min, long max, long *out, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < min || v > max) {
        snprintf(err, errlen, "expected a whole number from %ld to %ld, got \"%s\"", min, max,
                 value);
        return -1;
    }
    *out = v;
    return 0;
}

#define PATH_SETTER(field)                                                                         \
    static int set_##field(config_parse *p, const char *v, char *err, size_t errlen)               \
    {                                                                                              \
        (void)err;                                                                                 \
        (void)errlen;                                                                              \
        free(p->cfg->field);                                                                       \
        p->cfg->field = resolve_path(p->base_dir, v);                                              \
        return 0;                                                                                  \
    }
PATH_SETTER(state_dir)
PATH_SETTER(dags_dir)
PATH_SETTER(socket)

#define STRING_SETTER(field)                                                                       \
    static int set_##field(config_parse *p, const char *v, char *err, size_t errlen)               \
    {                                                                                              \
        (void)err;                                                                                 \
        (void)errlen;                                                                              \
        free(p->cfg->field);                                                                       \
        p->cfg->field = xstrdup(v);                                                                \
        return 0;                                                                                  \
    }
STRING_SETTER(operators)
STRING_SETTER(socket_group)

static int set_docker_host(config_parse *p, const char *v, char *err, size_t errlen)
{
    if (docker_host_check(v, err, errlen))
        return -1;
    free(p->cfg->docker_host);
    p->cfg->docker_host = xstrdup(v);
    return 0;
}

static int set_parallelism(config_parse *p, const char *v, char *err, size_t errlen)
{
    long n;
    if (parse_int(v, 1, 100000, &n, err, errlen))
        return -1;
    p->cfg->parallelism = (int)n;
    return 0;
}

static int set_keep_days(config_parse *p, const char *v, char *err, size_t errlen)
{
    long n;
    if (parse_int(v, 0, 100000, &n, err, errlen))
        return -1;
    p->cfg->keep_days = (int)n;
    return 0;
}

static int set_max_clients_per_user(config_parse *p, const char *v, char *err, size_t errlen)
{
    long n;
    if (parse_int(v, 1, 1000000, &n, err, errlen))
        return -1;
    p->cfg->max_clients_per_user = (int)n;
    return 0;
}

static int set_timezone(config_parse *p, const char *v, char *err, size_t errlen)
{
    if (!tz_exists(v)) {
        snprintf(err, errlen, "unknown time zone \"%s\"", v);
        return -1;
    }
    free(p->cfg->timezone);
    p->cfg->timezone = xstrdup(v);
    return 0;
}

static int set_memory_budget(config_parse *p, const char *v, char *err, size_t errlen)
{
    if (strcmp(v, "auto") == 0) {
        p->cfg->memory_budget = 0;
        return 0;
    }
    return size_parse(v, &p->cfg->memory_budget, err, errlen);
}

static int set_cpu_budget(config_parse *p, const char *v, char *err, size_t errlen)
{
    if (strcmp(v, "auto") == 0) {
        p->cfg->cpu_budget = 0;
        return 0;
    }
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !(d > 0)) {
        snprintf(err, errlen, "expected auto or a positive number of CPUs, got \"%s\"", v);
        return -1;
    }
    p->cfg->cpu_budget = d;
    return 0;
}

static int set_socket_mode(config_parse *p, const char *v, char *err, size_t errlen)
{
    char *end;
    long mode = strtol(v, &end, 8);
    if (end == v || *end || mode < 0 || mode > 0777) {
        snprintf(err, errlen, "expected an octal mode like 0660, got \"%s\"", v);
        return -1;
    }
    p->cfg->socket_mode = (int)mode;
    return 0;
}

/* The [notifier NAME] being read, created on its first key. */
static notifier_config *notifier_of(config_parse *p)
{
    config *c = p->cfg;
    for (size_t i = 0; i < c->n_notifiers; i++)
        if (strcmp(c->notifiers[i].name, p->label) == 0)
            return &c->notifiers[i];
    c->notifiers = xrealloc(c->notifiers, (c->n_notifiers + 1) * sizeof *c->notifiers);
    notifier_config *n = &c->notifiers[c->n_notifiers++];
    memset(n, 0, sizeof *n);
    n->name = xstrdup(p->label);
    n->line = p->line;
    n->on = NOTIFY_DEFAULT_ON;
    n->timeout_us = NOTIFY_DEFAULT_TIMEOUT_US;
    n->retries = NOTIFY_DEFAULT_RETRIES;
    return n;
}

static int set_notifier_type(config_parse *p, const char *v, char *err, size_t errlen)
{
    if (notifier_type_parse(v, &notifier_of(p)->type) == 0)
        return 0;
    snprintf(err, errlen, "expected slack or webhook, got \"%s\"", v);
    return -1;
}

/* The value is a secret: messages never repeat it. */
static int set_notifier_url(config_parse *p, const char *v, char *err, size_t errlen)
{
    notifier_config *n = notifier_of(p);
    if (!notify_url_valid(v)) {
        snprintf(err, errlen, "expected an http:// or https:// URL (the value is not shown)");
        return -1;
    }
    free(n->url);
    n->url = xstrdup(v);
    n->url_given = true;
    return 0;
}

static int set_notifier_url_file(config_parse *p, const char *v, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    notifier_config *n = notifier_of(p);
    free(n->url_file);
    n->url_file = resolve_path(p->base_dir, v);
    n->url_file_line = p->line;
    return 0;
}

static int set_notifier_on(config_parse *p, const char *v, char *err, size_t errlen)
{
    return notify_events_parse(v, &notifier_of(p)->on, err, errlen);
}

static int set_notifier_timeout(config_parse *p, const char *v, char *err, size_t errlen)
{
    int64_t us;
    if (duration_parse(v, &us, err, errlen))
        return -1;
    if (us < 1000000 || us > 600LL * 1000000) {
        snprintf(err, errlen, "expected 1s to 10m, got \"%s\"", v);
        return -1;
    }
    notifier_of(p)->timeout_us = us;
    return 0;
}

static int set_notifier_retries(config_parse *p, const char *v, char *err, size_t errlen)
{
    long n;
    if (parse_int(v, 0, NOTIFY_MAX_RETRIES, &n, err, errlen))
        return -1;
    notifier_of(p)->retries = (int)n;
    return 0;
}

/* One row per key: the table drives parsing (and documents the keys). */
static const struct config_key {
    const char *section; /* "pool" / "notifier": sections with a name */
    const char *key;
    key_setter set;
} config_keys[] = {
    {"agent", "state_dir", set_state_dir},
    {"agent", "dags_dir", set_dags_dir},
    {"agent", "socket", set_socket},
    {"agent", "parallelism", set_parallelism},
    {"agent", "timezone", set_timezone},
    {"agent", "memory_budget", set_memory_budget},
    {"agent", "cpu_budget", set_cpu_budget},
    {"agent", "keep_days", set_keep_days},
    {"access", "socket_mode", set_socket_mode},
    {"access", "socket_group", set_socket_group},
    {"access", "operators", set_operators},
    {"access", "max_clients_per_user", set_max_clients_per_user},
    {"docker", "host", set_docker_host},
    {"pool", "slots", NULL}, /* handled with the pool's name */
    {"notifier", "type", set_notifier_type},
    {"notifier", "url", set_notifier_url},
    {"notifier", "url_file", set_notifier_url_file},
    {"notifier", "on", set_notifier_on},
    {"notifier", "timeout", set_notifier_timeout},
    {"notifier", "retries", set_notifier_retries},
};

static int set_pool_slots(config_parse *p, const char *name, const char *v, char *err,
                          size_t errlen)
{
    long n;
    if (parse_int(v, 0, 100000, &n, err, errlen))
        return -1;
    config *c = p->cfg;
    for (size_t i = 0; i < c->n_pools; i++) {
        if (strcmp(c->pools[i].name, name) == 0) {
            c->pools[i].slots = (int)n;
            return 0;
        }
    }
    c->pools = xrealloc(c->pools, (c->n_pools + 1) * sizeof *c->pools);
    c->pools[c->n_pools].name = xstrdup(name);
    c->pools[c->n_pools].slots = (int)n;
    c->n_pools++;
    return 0;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    config_parse *p = user;
    char err[256] = "";
    char kind[64] = "", label[DAG_ID_MAX + 2] = "";
    /* KIND, then the rest of the header as the name (a name with a space
     * or longer than the rule is refused whole, not cut). */
    if (strncmp(p->header, section, strlen(section)) == 0)
        section = p->header; /* the whole name, as written */
    const char *rest = section + strcspn(section, " \t");
    snprintf(kind, sizeof kind, "%.*s", (int)(rest - section), section);
    rest += strspn(rest, " \t");
    snprintf(label, sizeof label, "%s", rest);
    for (size_t n = strlen(label); n && isspace((unsigned char)label[n - 1]);)
        label[--n] = '\0';
    bool named = strcmp(kind, "pool") == 0 || strcmp(kind, "notifier") == 0;
    if (named && !label[0]) {
        diag_add(p->diags, p->file, p->line, false, "[%s] needs a name, like [%s NAME]", kind,
                 kind);
        return 1;
    }
    if (named && (strlen(rest) > DAG_ID_MAX || !dag_id_valid(label))) {
        if (p->reported_line != p->section_line) /* once per section */
            diag_add(p->diags, p->file, p->section_line, false,
                     "bad %s name \"%.64s%s\": use 1 to %d letters, digits, '_', '.' and '-'"
                     " (not \".\" or \"..\")",
                     kind, label, strlen(rest) > 64 ? "..." : "", DAG_ID_MAX);
        p->reported_line = p->section_line;
        return 1;
    }
    for (size_t i = 0; i < sizeof config_keys / sizeof *config_keys; i++) {
        const struct config_key *k = &config_keys[i];
        if (strcmp(k->section, kind) != 0 || strcmp(k->key, name) != 0)
            continue;
        if (strcmp(kind, section) != 0 && !named)
            break;
        p->label = label;
        int rc = k->set ? k->set(p, value, err, sizeof err)
                        : set_pool_slots(p, label, value, err, sizeof err);
        if (rc)
            diag_add(p->diags, p->file, p->line, false, "%s: %s", name, err);
        return 1;
    }
    diag_add(p->diags, p->file, p->line, false, "unknown key \"%s\" in [%s]", name, section);
    return 1;
}

static char *counting_reader(char *str, int num, void *stream)
{
    config_parse *p = stream;
    char *s = fgets(str, num, p->in);
    if (s) {
        p->line++;
        const char *h = str + strspn(str, " \t");
        if (*h == '[') {
            p->section_line = p->line;
            snprintf(p->header, sizeof p->header, "%.*s", (int)strcspn(h + 1, "]\r\n"), h + 1);
        }
    }
    return s;
}

/* What a [notifier NAME] needs as a whole; then its url_file is read. */
static void check_notifiers(config *cfg, const char *file, diag_list *diags)
{
    for (size_t i = 0; i < cfg->n_notifiers; i++) {
        notifier_config *n = &cfg->notifiers[i];
        if (n->type == NOTIFIER_UNSET)
            diag_add(diags, file, n->line, false,
                     "[notifier %s] needs type = slack or type = webhook", n->name);
        if (n->url_given && n->url_file) {
            diag_add(diags, file, n->url_file_line, false,
                     "[notifier %s] has both url and url_file; keep one", n->name);
        } else if (!n->url_given && !n->url_file) {
            diag_add(diags, file, n->line, false, "[notifier %s] needs url or url_file", n->name);
        } else if (n->url_file) {
            char err[PATH_MAX + 128];
            bool refused;
            n->url = notify_url_read(n->url_file, &refused, err, sizeof err);
            /* Refused is a warning: the agent runs, this notifier drops
             * its messages (with a log line) until the file is fixed and
             * SIGHUP reloads it. */
            if (!n->url)
                diag_add(diags, file, n->url_file_line, refused, "url_file: %s", err);
        }
    }
}

static void set_defaults(config *cfg, const char *base_dir)
{
    cfg->state_dir = xasprintf("%s/var", base_dir);
    cfg->dags_dir = xasprintf("%s/examples", base_dir);
    cfg->parallelism = 16;
    cfg->timezone = xstrdup("UTC");
    cfg->keep_days = 90;
    cfg->socket_mode = 0660;
    cfg->max_clients_per_user = CONFIG_DEFAULT_MAX_CLIENTS_PER_USER;
    cfg->operators = xstrdup("");
    cfg->docker_host = xstrdup("unix:///var/run/docker.sock");
}

int config_load(config *cfg, const char *file, diag_list *diags)
{
    memset(cfg, 0, sizeof *cfg);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        strcpy(cwd, ".");
    if (!file) {
        set_defaults(cfg, cwd);
        cfg->socket = xasprintf("%s/dagd.sock", cfg->state_dir);
        admission_resolve_auto(cfg);
        return 0;
    }
    cfg->file = xstrdup(file);
    char *copy = xstrdup(file);
    char *dir = dirname(copy);
    char *base_dir = dir[0] == '/' ? xstrdup(dir) : xasprintf("%s/%s", cwd, dir);
    free(copy);
    set_defaults(cfg, base_dir);

    config_parse p = {.cfg = cfg, .diags = diags, .file = file, .base_dir = base_dir};
    p.in = fopen(file, "r");
    if (!p.in) {
        diag_add(diags, file, 0, false, "cannot open: %s", strerror(errno));
        free(base_dir);
        return -1;
    }
    int rc = ini_parse_stream(counting_reader, &p, on_key, &p);
    if (rc > 0)
        diag_add(diags, file, rc, false, "syntax error (expected [section] or key = value)");
    fclose(p.in);
    free(base_dir);
    check_notifiers(cfg, file, diags);
    if (!cfg->socket)
        cfg->socket = xasprintf("%s/dagd.sock", cfg->state_dir);
    admission_resolve_auto(cfg); /* auto: 80% of the memory, every CPU */
    return diag_error_count(diags) ? -1 : 0;
}

void config_free(config *cfg)
{
    free(cfg->file);
    free(cfg->state_dir);
    free(cfg->dags_dir);
    free(cfg->socket);
    free(cfg->timezone);
    free(cfg->socket_group);
    free(cfg->operators);
    free(cfg->docker_host);
    for (size_t i = 0; i < cfg->n_pools; i++)
        free(cfg->pools[i].name);
    free(cfg->pools);
    for (size_t i = 0; i < cfg->n_notifiers; i++)
        notifier_config_free(&cfg->notifiers[i]);
    free(cfg->notifiers);
    memset(cfg, 0, sizeof *cfg);
}

const pool_config *config_pool(const config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_pools; i++)
        if (strcmp(cfg->pools[i].name, name) == 0)
            return &cfg->pools[i];
    return NULL;
}

const notifier_config *config_notifier(const config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_notifiers; i++)
        if (strcmp(cfg->notifiers[i].name, name) == 0)
            return &cfg->notifiers[i];
    return NULL;
}

/* The agent config as tables: one row per key (config_key.h) drives
 * parsing, defaults, freeing, what a reload keeps, and --print-config. */
#include "config.h"
#include "admission.h"
#include "config_key.h"
#include "dag.h"
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

#define STR_(x) #x
#define STR(x) STR_(x)

/* Rows, as redis's createIntConfig() & co. build them: the field of
 * struct T, then what the type needs. */
#define KEY(T, n, ty, f, d, fl, ...)                                                               \
    {                                                                                              \
        .name = n, .type = ty, .offset = offsetof(T, f), .def = d, .flags = fl, __VA_ARGS__        \
    }
#define INT(T, n, f, lo, hi, d, fl) KEY(T, n, CT_INT, f, d, fl, .min = lo, .max = hi)
#define STRING(T, n, f, d, fl, chk, ...) KEY(T, n, CT_STRING, f, d, fl, .check = chk, __VA_ARGS__)

static int check_tz(const char *v, char *err, size_t errlen)
{
    if (tz_exists(v))
        return 0;
    snprintf(err, errlen, "unknown time zone \"%s\"", v);
    return -1;
}

/* The value is a secret: the message never repeats it. */
static int check_url(const char *v, char *err, size_t errlen)
{
    if (notify_url_valid(v))
        return 0;
    snprintf(err, errlen, "expected an http:// or https:// URL (the value is not shown)");
    return -1;
}

static const cfg_key agent_keys[] = {
    KEY(config, "state_dir", CT_PATH, state_dir, "var", CF_RESTART),
    KEY(config, "dags_dir", CT_PATH, dags_dir, "examples", CF_RESTART),
    /* Default <state_dir>/dagd.sock, once state_dir is known. */
    KEY(config, "socket", CT_PATH, socket, NULL, CF_RESTART),
    INT(config, "parallelism", parallelism, 1, 100000, "16", 0),
    STRING(config, "timezone", timezone, "UTC", 0, check_tz),
    /* auto is resolved once the file is read (admission.c). */
    KEY(config, "memory_budget", CT_SIZE, memory_budget, "auto", 0),
    KEY(config, "cpu_budget", CT_CPUS, cpu_budget, "auto", 0),
    INT(config, "keep_days", keep_days, 0, 100000, "90", 0),
    /* Prometheus text for node_exporter's textfile collector (metrics.c). */
    KEY(config, "metrics_file", CT_PATH, metrics_file, NULL, 0),
};

static const cfg_key access_keys[] = {
    KEY(config, "socket_mode", CT_MODE, socket_mode, "0660", 0),
    /* The group is given to the socket when it is made, at start. */
    STRING(config, "socket_group", socket_group, NULL, CF_RESTART, NULL),
    STRING(config, "operators", operators, "", CF_LIST, NULL),
    INT(config, "max_clients_per_user", max_clients_per_user, 1, 1000000,
        STR(CONFIG_DEFAULT_MAX_CLIENTS_PER_USER), 0),
};

static const cfg_key docker_keys[] = {
    STRING(config, "host", docker_host, "unix:///var/run/docker.sock", CF_RESTART,
           docker_host_check),
};

/* Default: the [docker] host (config_load), a manager of the swarm. */
static const cfg_key swarm_keys[] = {
    STRING(config, "host", swarm_host, NULL, CF_RESTART, docker_host_check),
};

static const cfg_key pool_keys[] = {
    INT(pool_config, "slots", slots, 0, 100000, NULL, 0),
};

/* The defaults are NOTIFY_DEFAULT_* (notify_config.h) as a file writes them. */
static const cfg_key notifier_keys[] = {
    KEY(notifier_config, "type", CT_NOTIFIER_TYPE, type, NULL, 0),
    STRING(notifier_config, "url", url, NULL, CF_SECRET, check_url,
           .given_at = offsetof(notifier_config, url_given)),
    KEY(notifier_config, "url_file", CT_PATH, url_file, NULL, 0,
        .line_at = offsetof(notifier_config, url_file_line)),
    KEY(notifier_config, "on", CT_EVENTS, on, "failure sla_miss", CF_LIST),
    KEY(notifier_config, "timeout", CT_DURATION, timeout_us, "10s", 0, .min = 1000000,
        .max = 600LL * 1000000),
    INT(notifier_config, "retries", retries, 0, NOTIFY_MAX_RETRIES, STR(NOTIFY_DEFAULT_RETRIES), 0),
};

/* A section of the file. Named ones ([pool NAME]) are an array in config
 * whose elements start with their char *name. */
typedef struct cfg_section {
    const char *kind;
    const cfg_key *keys;
    size_t n_keys;
    bool named;
    size_t array_at, count_at, elem_size;
    size_t line_at; /* an int of the element: its first key's line; 0: none */
} cfg_section;

#define KEYS(t) t, sizeof t / sizeof *t
#define NAMED(arr, n, T) true, offsetof(config, arr), offsetof(config, n), sizeof(T)
static const cfg_section sections[] = {
    {"agent", KEYS(agent_keys), false, 0, 0, 0, 0},
    {"access", KEYS(access_keys), false, 0, 0, 0, 0},
    {"docker", KEYS(docker_keys), false, 0, 0, 0, 0},
    {"swarm", KEYS(swarm_keys), false, 0, 0, 0, 0},
    {"pool", KEYS(pool_keys), NAMED(pools, n_pools, pool_config), 0},
    {"notifier", KEYS(notifier_keys), NAMED(notifiers, n_notifiers, notifier_config),
     offsetof(notifier_config, line)},
};
#define N_SECTIONS (sizeof sections / sizeof *sections)

#define AT(base, off) ((void *)((char *)(base) + (off)))
#define CAT(base, off) ((const void *)((const char *)(base) + (off)))

bool config_key_at(size_t i, const char **section, const char **key, unsigned *flags)
{
    for (size_t s = 0; s < N_SECTIONS; i -= sections[s++].n_keys) {
        if (i < sections[s].n_keys) {
            *section = sections[s].kind;
            *key = sections[s].keys[i].name;
            *flags = sections[s].keys[i].flags;
            return true;
        }
    }
    return false;
}

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
} config_parse;

static void set_defaults(const cfg_section *s, void *obj, const char *base_dir)
{
    char err[256];
    for (size_t i = 0; i < s->n_keys; i++)
        if (s->keys[i].def)
            cfg_value_parse(&s->keys[i], AT(obj, s->keys[i].offset), s->keys[i].def, base_dir,
                            false, err, sizeof err);
}

static void **array_of(const cfg_section *s, config *cfg)
{
    return AT(cfg, s->array_at);
}

static size_t *count_of(const cfg_section *s, config *cfg)
{
    return AT(cfg, s->count_at);
}

/* The element [KIND NAME] being read, created (with its defaults) on its
 * first key. */
static void *element_of(config_parse *p, const cfg_section *s, const char *name)
{
    void **arr = array_of(s, p->cfg);
    size_t *n = count_of(s, p->cfg);
    for (size_t i = 0; i < *n; i++) {
        void *e = AT(*arr, i * s->elem_size);
        if (strcmp(*(char **)e, name) == 0)
            return e;
    }
    *arr = xrealloc(*arr, (*n + 1) * s->elem_size);
    void *e = AT(*arr, (*n)++ * s->elem_size);
    memset(e, 0, s->elem_size);
    *(char **)e = xstrdup(name);
    if (s->line_at)
        *(int *)AT(e, s->line_at) = p->line;
    set_defaults(s, e, p->base_dir);
    return e;
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
    const cfg_section *s = NULL;
    for (size_t i = 0; i < N_SECTIONS && !s; i++)
        if (strcmp(sections[i].kind, kind) == 0)
            s = &sections[i];
    if (s && s->named && !label[0]) {
        diag_add(p->diags, p->file, p->line, false, "[%s] needs a name, like [%s NAME]", kind,
                 kind);
        return 1;
    }
    if (s && s->named && (strlen(rest) > DAG_ID_MAX || !dag_id_valid(label))) {
        if (p->reported_line != p->section_line) /* once per section */
            diag_add(p->diags, p->file, p->section_line, false,
                     "bad %s name \"%.64s%s\": use 1 to %d letters, digits, '_', '.' and '-'"
                     " (not \".\" or \"..\")",
                     kind, label, strlen(rest) > 64 ? "..." : "", DAG_ID_MAX);
        p->reported_line = p->section_line;
        return 1;
    }
    const cfg_key *k = NULL;
    /* [agent extra] is no section; [pool NAME] is. */
    if (s && (s->named || strcmp(kind, section) == 0))
        for (size_t i = 0; i < s->n_keys && !k; i++)
            if (strcmp(s->keys[i].name, name) == 0)
                k = &s->keys[i];
    if (!k) {
        diag_add(p->diags, p->file, p->line, false, "unknown key \"%s\" in [%s]", name, section);
        return 1;
    }
    void *obj = s->named ? element_of(p, s, label) : p->cfg;
    if (cfg_value_parse(k, AT(obj, k->offset), value, p->base_dir, true, err, sizeof err)) {
        diag_add(p->diags, p->file, p->line, false, "%s: %s", name, err);
        return 1;
    }
    if (k->line_at)
        *(int *)AT(obj, k->line_at) = p->line;
    if (k->given_at)
        *(bool *)AT(obj, k->given_at) = true;
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

static void set_all_defaults(config *cfg, const char *base_dir)
{
    for (size_t s = 0; s < N_SECTIONS; s++)
        if (!sections[s].named)
            set_defaults(&sections[s], cfg, base_dir);
}

int config_load(config *cfg, const char *file, diag_list *diags)
{
    memset(cfg, 0, sizeof *cfg);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        strcpy(cwd, ".");
    if (!file) {
        set_all_defaults(cfg, cwd);
        cfg->socket = xasprintf("%s/dagd.sock", cfg->state_dir);
        cfg->swarm_host = xstrdup(cfg->docker_host);
        admission_resolve_auto(cfg);
        return 0;
    }
    cfg->file = xstrdup(file);
    char *copy = xstrdup(file);
    char *dir = dirname(copy);
    char *base_dir = dir[0] == '/' ? xstrdup(dir) : xasprintf("%s/%s", cwd, dir);
    free(copy);
    set_all_defaults(cfg, base_dir);

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
    if (!cfg->swarm_host)
        cfg->swarm_host = xstrdup(cfg->docker_host);
    admission_resolve_auto(cfg); /* auto: 80% of the memory, every CPU */
    return diag_error_count(diags) ? -1 : 0;
}

static void free_values(const cfg_section *s, void *obj)
{
    for (size_t i = 0; i < s->n_keys; i++)
        cfg_value_free(&s->keys[i], AT(obj, s->keys[i].offset));
}

void config_free(config *cfg)
{
    free(cfg->file);
    for (size_t s = 0; s < N_SECTIONS; s++) {
        const cfg_section *sec = &sections[s];
        if (!sec->named) {
            free_values(sec, cfg);
            continue;
        }
        void **arr = array_of(sec, cfg);
        for (size_t i = 0; i < *count_of(sec, cfg); i++) {
            void *e = AT(*arr, i * sec->elem_size);
            free(*(char **)e);
            free_values(sec, e);
        }
        free(*arr);
    }
    memset(cfg, 0, sizeof *cfg);
}

void config_keep_restart_only(config *next, config *running, strlist *changed)
{
    char a[PATH_MAX + 64], b[PATH_MAX + 64];
    for (size_t s = 0; s < N_SECTIONS; s++) {
        const cfg_section *sec = &sections[s];
        for (size_t i = 0; i < sec->n_keys && !sec->named; i++) {
            const cfg_key *k = &sec->keys[i];
            if (!(k->flags & CF_RESTART))
                continue;
            void *x = AT(next, k->offset), *y = AT(running, k->offset);
            bool has_a = cfg_value_format(k, x, a, sizeof a);
            bool has_b = cfg_value_format(k, y, b, sizeof b);
            if (changed && (has_a != has_b || strcmp(a, b) != 0)) {
                char *label = strcmp(sec->kind, "agent") == 0
                                  ? xstrdup(k->name)
                                  : xasprintf("[%s] %s", sec->kind, k->name);
                strlist_push(changed, label);
                free(label);
            }
            /* Swap, so that freeing RUNNING frees the value not taken. */
            unsigned char tmp[CFG_VALUE_MAX];
            size_t size = cfg_value_size(k);
            memcpy(tmp, x, size);
            memcpy(x, y, size);
            memcpy(y, tmp, size);
        }
    }
}

static void print_keys(const cfg_section *s, const void *obj, FILE *out)
{
    char buf[PATH_MAX + 64];
    for (size_t i = 0; i < s->n_keys; i++) {
        const cfg_key *k = &s->keys[i];
        bool given = !k->given_at || *(const bool *)CAT(obj, k->given_at);
        if (given && cfg_value_format(k, CAT(obj, k->offset), buf, sizeof buf))
            fprintf(out, "%s =%s%s\n", k->name, buf[0] ? " " : "", buf);
        else /* a comment: read back, the key stays unset */
            fprintf(out, "; %s = (not set)\n", k->name);
    }
}

void config_print(const config *cfg, FILE *out)
{
    fprintf(out, "; dagd --print-config: the effective config of %s; secrets show as ***\n",
            cfg->file ? cfg->file : "(built-in defaults)");
    for (size_t s = 0; s < N_SECTIONS; s++) {
        const cfg_section *sec = &sections[s];
        if (!sec->named) {
            fprintf(out, "\n[%s]\n", sec->kind);
            print_keys(sec, cfg, out);
            continue;
        }
        size_t n = *(const size_t *)CAT(cfg, sec->count_at);
        const void *arr = *(void *const *)CAT(cfg, sec->array_at);
        if (!n)
            fprintf(out, "\n; no [%s NAME] section\n", sec->kind);
        for (size_t i = 0; i < n; i++) {
            const void *e = CAT(arr, i * sec->elem_size);
            fprintf(out, "\n[%s %s]\n", sec->kind, *(char *const *)e);
            print_keys(sec, e, out);
        }
    }
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

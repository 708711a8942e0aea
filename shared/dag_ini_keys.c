/* DAG files: the [dag] and [task ID] keys, one row each, and applying a
 * line to its key (the checks over the whole file: dag_ini_finish.c). */
#include "dag_ini.h"
#include "template.h"
#include "timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define CONTINUATION_ERROR                                                                         \
    "\"%s\" does not continue on an indented line (only command and the lists upstream, env, "     \
    "volumes, notify, constraints and generic_resources do)"

static bool parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"true", "yes", "1", "on"};
    static const char *const no[] = {"false", "no", "0", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
            *out = strcasecmp(v, yes[i]) == 0;
            return true;
        }
    }
    return false;
}

static void set_bool(ini_parser *p, const char *key, const char *v, bool *out)
{
    if (!parse_bool(v, out))
        ini_err(p, p->lineno, "bad %s \"%s\": expected true or false", key, v);
}

static void set_int(ini_parser *p, const char *key, const char *v, int min, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < min || n > INT_MAX)
        ini_err(p, p->lineno, "bad %s \"%s\": expected a whole number >= %d", key, v, min);
    else
        *out = (int)n;
}

static void set_duration(ini_parser *p, const char *key, const char *v, int64_t *out)
{
    char err[200];
    if (duration_parse(v, out, err, sizeof err) < 0)
        ini_err(p, p->lineno, "bad %s: %s", key, err);
}

static void set_str(char **field, const char *v)
{
    free(*field);
    *field = xstrdup(v);
}

enum item_kind { ITEM_ID, ITEM_ENV, ITEM_VOLUME, ITEM_CONSTRAINT, ITEM_GENERIC };

static bool env_item_ok(const char *s)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s || isdigit((unsigned char)s[0]))
        return false;
    for (const char *c = s; c < eq; c++)
        if (!isalnum((unsigned char)*c) && *c != '_')
            return false;
    return true;
}

static bool volume_item_ok(const char *s)
{
    const char *colon = strchr(s, ':');
    return colon && colon > s && colon[1] && colon[1] != ':';
}

/* A swarm placement constraint: ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE. */
static bool constraint_item_ok(const char *s)
{
    const char *op = strstr(s, "==");
    if (!op)
        op = strstr(s, "!=");
    return op && op > s && op[2];
}

/* KIND=N: a discrete generic resource (NVIDIA-GPU=1), N a whole number > 0. */
static bool generic_item_ok(const char *s)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s || !eq[1] || strspn(eq + 1, "0123456789") != strlen(eq + 1))
        return false;
    return strtoll(eq + 1, NULL, 10) > 0 && strlen(eq + 1) < 19;
}

/* Cut the next word off *S (in place), or NULL at the end. A {{ template }}
 * stays in one word: env = DAY={{ ds }} is one item. */
static char *next_word(char **s, const char *seps)
{
    char *p = *s;
    while (*p && strchr(seps, *p))
        p++;
    if (!*p)
        return NULL;
    char *word = p;
    while (*p && !strchr(seps, *p)) {
        char *close = strncmp(p, "{{", 2) == 0 ? strstr(p + 2, "}}") : NULL;
        p = close ? close + 2 : p + 1;
    }
    if (*p)
        *p++ = '\0';
    *s = p;
    return word;
}

/* Short id lists are searched, long ones indexed (*IX, built on demand). */
#define ID_LIST_INDEXED 8

static bool id_listed(const strlist *l, strindex **ix, const char *w)
{
    if (!*ix && l->n < ID_LIST_INDEXED)
        return strlist_contains(l, w);
    if (!*ix) {
        *ix = strindex_new();
        for (size_t i = 0; i < l->n; i++)
            strindex_add(*ix, l->items[i], i);
    }
    return !strindex_add(*ix, w, l->n);
}

/* Add the whitespace-separated items of V to L (ids may also be separated
 * by commas); LINES gets the current line for each one; IX indexes an id
 * list. */
static void add_items(ini_parser *p, strlist *l, intvec *lines, strindex **ix, const char *v,
                      enum item_kind kind, const char *key)
{
    const char *seps = kind == ITEM_ID ? " \t," : " \t";
    char *copy = xstrdup(v);
    for (char *save = copy, *w; (w = next_word(&save, seps));) {
        if (kind == ITEM_ENV && !env_item_ok(w)) {
            ini_err(p, p->lineno, "bad env item \"%s\": expected NAME=VALUE", w);
            continue;
        }
        if (kind == ITEM_VOLUME && !volume_item_ok(w)) {
            ini_err(p, p->lineno, "bad volume \"%s\": expected HOST:CONTAINER[:ro]", w);
            continue;
        }
        if (kind == ITEM_CONSTRAINT && !constraint_item_ok(w)) {
            ini_err(p, p->lineno,
                    "bad constraint \"%s\": expected ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE", w);
            continue;
        }
        if (kind == ITEM_GENERIC && !generic_item_ok(w)) {
            ini_err(p, p->lineno, "bad generic resource \"%s\": expected KIND=N (N > 0)", w);
            continue;
        }
        if (kind == ITEM_ID && id_listed(l, ix, w)) {
            ini_warn(p, p->lineno, "%s lists \"%s\" twice", key, w);
            continue;
        }
        strlist_push(l, w);
        if (lines)
            intvec_push(lines, p->lineno);
    }
    free(copy);
}

/* How a key's value is read. Where it goes: OFFSET into the model (the
 * dag for [dag], the task for [task ID]) or, ON_LOADER, into what the
 * loader keeps beside it (ini_parser / task_meta): defaults and dates. */
enum key_type {
    KT_STR,
    KT_BOOL,
    KT_INT, /* from MIN */
    KT_DURATION,
    KT_CHOICE, /* one of CHOICES, kept as a string */
    KT_IDS,    /* a list of ids; twice is a warning */
    KT_ENV,    /* a list of NAME=VALUE */
    KT_VOLUMES,
    KT_CUSTOM, /* SET checks and stores */
};

typedef struct ini_key ini_key;
struct ini_key {
    const char *name;
    enum key_type type;
    bool on_loader;
    size_t offset;
    int min;
    const char *const *choices; /* KT_CHOICE, NULL-terminated */
    /* Lists: the loader's intvec of each item's line and strindex * of an
     * id list (0: none; neither is first in its struct). */
    size_t lines_at, index_at;
    bool continues; /* takes indented continuation lines */
    void (*set)(ini_parser *p, const ini_key *k, void *field, const char *v);
};

static void set_dag_id(ini_parser *p, const ini_key *k, void *field, const char *v)
{
    (void)k;
    if (strstr(v, "{{")) { /* a family's id: checked once the file is read */
        free(p->id_template);
        p->id_template = xstrdup(v);
        p->id_line = p->lineno;
    } else if (dag_id_valid(v))
        set_str(field, v);
    else
        ini_err(p, p->lineno, "bad DAG id \"%s\": use letters, digits, '_', '.' and '-'", v);
}

static void set_schedule(ini_parser *p, const ini_key *k, void *field, const char *v)
{
    (void)k;
    char err[200];
    if (cron_parse(v, &p->d->cron, err, sizeof err) < 0)
        ini_err(p, p->lineno, "bad schedule \"%s\": %s", v, err);
    else
        set_str(field, v);
}

static void set_timezone(ini_parser *p, const ini_key *k, void *field, const char *v)
{
    (void)k;
    if (tz_exists(v))
        set_str(field, v);
    else
        ini_err(p, p->lineno, "unknown timezone \"%s\"", v);
}

static void set_pool(ini_parser *p, const ini_key *k, void *field, const char *v)
{
    (void)k;
    if (dag_id_valid(v))
        set_str(field, v);
    else
        ini_err(p, p->lineno, "bad pool name \"%s\"", v);
}

static void set_trigger_rule(ini_parser *p, const ini_key *k, void *field, const char *v)
{
    (void)k;
    int r = trigger_rule_parse(v);
    if (r < 0)
        ini_err(p, p->lineno,
                "unknown trigger rule \"%s\" (expected all_success, all_failed, all_done, "
                "all_skipped, one_success, one_failed, one_done, none_failed, "
                "none_failed_min_one_success, none_skipped or always)",
                v);
    else
        *(enum trigger_rule *)field = (enum trigger_rule)r;
}

static void set_memory(ini_parser *p, const ini_key *k, void *field, const char *v)
{
    (void)k;
    char err[200];
    int64_t *bytes = field;
    if (size_parse(v, bytes, err, sizeof err) < 0)
        ini_err(p, p->lineno, "bad memory: %s", err);
    else if (*bytes <= 0)
        ini_err(p, p->lineno, "bad memory \"%s\": must be more than 0", v);
}

static void set_cpus(ini_parser *p, const ini_key *k, void *field, const char *v)
{
    (void)k;
    char *end;
    errno = 0;
    double c = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(c) || c <= 0)
        ini_err(p, p->lineno, "bad cpus \"%s\": expected a positive number", v);
    else
        *(double *)field = c;
}

static const char *const executor_names[] = {[EXECUTOR_DEFAULT] = "",
                                             [EXECUTOR_LOCAL] = "local",
                                             [EXECUTOR_DOCKER] = "docker",
                                             [EXECUTOR_SWARM] = "swarm"};

static void set_executor(ini_parser *p, const ini_key *k, void *field, const char *v)
{
    (void)k;
    for (int e = EXECUTOR_LOCAL; e <= EXECUTOR_SWARM; e++) {
        if (strcmp(v, executor_names[e]) == 0) {
            *(int *)field = e;
            return;
        }
    }
    ini_err(p, p->lineno, "bad executor \"%s\": expected local, docker or swarm", v);
}

/* [dag] executor: the default of the DAG's image tasks. */
static void set_dag_executor(ini_parser *p, const ini_key *k, void *field, const char *v)
{
    if (strcmp(v, "local") == 0)
        ini_err(p, p->lineno,
                "bad executor \"local\" in [dag]: it sets the executor of image tasks, "
                "docker or swarm");
    else
        set_executor(p, k, field, v);
}

static void add_constraints(ini_parser *p, const ini_key *k, void *field, const char *v)
{
    add_items(p, field, NULL, NULL, v, ITEM_CONSTRAINT, k->name);
}

static void add_generic_resources(ini_parser *p, const ini_key *k, void *field, const char *v)
{
    add_items(p, field, NULL, NULL, v, ITEM_GENERIC, k->name);
}

static void add_command_line(ini_parser *p, const ini_key *k, void *field, const char *v)
{
    (void)k;
    ini_append_line(p, field, v);
    intvec_push(&p->meta[p->task].cmd_lines, p->lineno);
}

static void set_overlap(ini_parser *p, const ini_key *k, void *field, const char *v)
{
    (void)k;
    if (strcmp(v, "queue") == 0 || strcmp(v, "skip") == 0)
        *(bool *)field = v[0] == 's';
    else
        ini_err(p, p->lineno, "bad overlap \"%s\": expected queue or skip", v);
}

/* A glob whose folder is literal (inotify watches one folder) and whose
 * last part is an fnmatch pattern; relative to the DAG file's folder. */
static void set_trigger_files(ini_parser *p, const ini_key *k, void *field, const char *v)
{
    (void)k;
    const char *slash = strrchr(v, '/');
    size_t dir_len = slash ? (size_t)(slash - v) : 0;
    if (slash && !slash[1]) {
        ini_err(p, p->lineno,
                "bad trigger_files \"%s\": it ends in '/': name the files (DIR/*.csv)", v);
        return;
    }
    for (size_t i = 0; i < dir_len; i++) {
        if (strchr("*?[", v[i])) {
            ini_err(p, p->lineno,
                    "bad trigger_files \"%s\": wildcards only in the file name, not in its "
                    "folder (one folder is watched)",
                    v);
            return;
        }
    }
    char *path = v[0] == '/' ? xstrdup(v) : xasprintf("%s/%s", p->d->dir, v);
    char *folder = xstrndup(path, (size_t)(strrchr(path, '/') - path));
    struct stat st;
    if (stat(*folder ? folder : "/", &st) != 0 || !S_ISDIR(st.st_mode))
        ini_warn(p, p->lineno,
                 "trigger_files: folder %s does not exist (yet): files trigger once it does",
                 *folder ? folder : "/");
    free(folder);
    free(*(char **)field);
    *(char **)field = path;
}

static const char *const pull_choices[] = {"never", "missing", "always", NULL};

#define ROW(n, ty, T, f, ...)                                                                      \
    {                                                                                              \
        .name = n, .type = ty, .offset = offsetof(T, f), __VA_ARGS__                               \
    }
#define DAG(n, ty, f, ...) ROW(n, ty, dag, f, __VA_ARGS__)
#define DAG_DEFAULT(n, ty, f, ...) ROW(n, ty, ini_parser, f, .on_loader = true, __VA_ARGS__)
#define TASK(n, ty, f, ...) ROW(n, ty, dag_task, f, __VA_ARGS__)
#define CUSTOM(fn) .set = fn
#define LIST(lines, index) .continues = true, .lines_at = lines, .index_at = index
#define META(f) offsetof(task_meta, f)

/* [dag]: one row per key, in the order of enum dag_key. */
static const ini_key dag_keys[DK_COUNT] = {
    [DK_ID] = DAG("id", KT_CUSTOM, id, CUSTOM(set_dag_id)),
    [DK_SCHEDULE] = DAG("schedule", KT_CUSTOM, schedule, CUSTOM(set_schedule)),
    /* Read once the timezone is known (ini_finish). */
    [DK_START_DATE] = DAG_DEFAULT("start_date", KT_STR, start_date),
    [DK_END_DATE] = DAG_DEFAULT("end_date", KT_STR, end_date),
    [DK_TIMEZONE] = DAG("timezone", KT_CUSTOM, timezone, CUSTOM(set_timezone)),
    [DK_CATCHUP] = DAG("catchup", KT_BOOL, catchup),
    [DK_MAX_ACTIVE_RUNS] = DAG("max_active_runs", KT_INT, max_active_runs, .min = 1),
    [DK_MAX_ACTIVE_TASKS] = DAG("max_active_tasks", KT_INT, max_active_tasks, .min = 1),
    /* Defaults for every task (finish_task). */
    [DK_DEPENDS_ON_PAST] = DAG_DEFAULT("depends_on_past", KT_BOOL, def_depends_on_past),
    [DK_RETRIES] = DAG_DEFAULT("retries", KT_INT, def_retries, .min = 0),
    [DK_RETRY_DELAY] = DAG_DEFAULT("retry_delay", KT_DURATION, def_retry_delay),
    [DK_TIMEOUT] = DAG_DEFAULT("timeout", KT_DURATION, def_timeout),
    [DK_NOTIFY] = DAG("notify", KT_IDS, notify, LIST(0, offsetof(ini_parser, notify_ix))),
    [DK_SLA] = DAG("sla", KT_DURATION, sla_us),
    [DK_EXECUTOR] = DAG_DEFAULT("executor", KT_CUSTOM, def_executor, CUSTOM(set_dag_executor)),
    [DK_CATCHUP_WINDOW] = DAG("catchup_window", KT_DURATION, catchup_window_us),
    [DK_OVERLAP] = DAG("overlap", KT_CUSTOM, overlap_skip, CUSTOM(set_overlap)),
    [DK_JITTER] = DAG("jitter", KT_DURATION, jitter_us),
    [DK_TRIGGER_FILES] = DAG("trigger_files", KT_CUSTOM, trigger_files, CUSTOM(set_trigger_files)),
};

/* [task ID]: one row per key, in the order of enum task_key. */
static const ini_key task_keys[TK_COUNT] = {
    [TK_COMMAND] = TASK("command", KT_CUSTOM, command, CUSTOM(add_command_line), .continues = true),
    [TK_UPSTREAM] = TASK("upstream", KT_IDS, upstream, LIST(META(up_lines), META(up_ix))),
    [TK_RETRIES] = TASK("retries", KT_INT, retries, .min = 0),
    [TK_RETRY_DELAY] = TASK("retry_delay", KT_DURATION, retry_delay_us),
    [TK_TIMEOUT] = TASK("timeout", KT_DURATION, timeout_us),
    [TK_POOL] = TASK("pool", KT_CUSTOM, pool, CUSTOM(set_pool)),
    [TK_TRIGGER_RULE] = TASK("trigger_rule", KT_CUSTOM, trigger_rule, CUSTOM(set_trigger_rule)),
    [TK_BRANCH] = TASK("branch", KT_BOOL, branch),
    [TK_DEPENDS_ON_PAST] = TASK("depends_on_past", KT_BOOL, depends_on_past),
    [TK_IMAGE] = TASK("image", KT_STR, image),
    [TK_ENV] = TASK("env", KT_ENV, env, LIST(META(env_lines), 0)),
    [TK_VOLUMES] = TASK("volumes", KT_VOLUMES, volumes, LIST(0, 0)),
    [TK_NETWORK] = TASK("network", KT_STR, network),
    [TK_USER] = TASK("user", KT_STR, user),
    [TK_WORKDIR] = TASK("workdir", KT_STR, workdir),
    [TK_ENTRYPOINT] = TASK("entrypoint", KT_STR, entrypoint),
    [TK_PULL] = TASK("pull", KT_CHOICE, pull, .choices = pull_choices),
    [TK_KEEP] = TASK("keep", KT_BOOL, keep),
    [TK_MEMORY] = TASK("memory", KT_CUSTOM, memory_bytes, CUSTOM(set_memory)),
    [TK_CPUS] = TASK("cpus", KT_CUSTOM, cpus, CUSTOM(set_cpus)),
    [TK_NOTIFY] = TASK("notify", KT_IDS, notify, LIST(0, META(notify_ix))),
    [TK_SLA] = TASK("sla", KT_DURATION, sla_us),
    [TK_EXECUTOR] = TASK("executor", KT_CUSTOM, executor, CUSTOM(set_executor)),
    [TK_CONSTRAINTS] =
        TASK("constraints", KT_CUSTOM, constraints, CUSTOM(add_constraints), .continues = true),
    [TK_GENERIC_RESOURCES] = TASK("generic_resources", KT_CUSTOM, generic_resources,
                                  CUSTOM(add_generic_resources), .continues = true),
};

/* "never, missing or always" */
static void choice_list(const char *const *c, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; c[i] && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s",
                              i == 0     ? ""
                              : c[i + 1] ? ", "
                                         : " or ",
                              c[i]);
}

/* Apply V (a key's value or a continuation line) as row K says. MODEL is
 * the dag or task, LOADER the ini_parser or task_meta. */
static void apply_key(ini_parser *p, const ini_key *k, void *model, void *loader, const char *v)
{
    void *field = (char *)(k->on_loader ? loader : model) + k->offset;
    intvec *lines = k->lines_at ? (intvec *)((char *)loader + k->lines_at) : NULL;
    strindex **ix = k->index_at ? (strindex **)((char *)loader + k->index_at) : NULL;
    switch (k->type) {
    case KT_STR:
        set_str(field, v);
        break;
    case KT_BOOL:
        set_bool(p, k->name, v, field);
        break;
    case KT_INT:
        set_int(p, k->name, v, k->min, field);
        break;
    case KT_DURATION:
        set_duration(p, k->name, v, field);
        break;
    case KT_CHOICE: {
        for (size_t i = 0; k->choices[i]; i++) {
            if (strcmp(v, k->choices[i]) == 0) {
                set_str(field, v);
                return;
            }
        }
        char list[200];
        choice_list(k->choices, list, sizeof list);
        ini_err(p, p->lineno, "bad %s \"%s\": expected %s", k->name, v, list);
        break;
    }
    case KT_IDS:
        add_items(p, field, lines, ix, v, ITEM_ID, k->name);
        break;
    case KT_ENV:
        add_items(p, field, lines, ix, v, ITEM_ENV, k->name);
        break;
    case KT_VOLUMES:
        add_items(p, field, lines, ix, v, ITEM_VOLUME, k->name);
        break;
    case KT_CUSTOM:
        k->set(p, k, field, v);
        break;
    }
}

/* Look KEY up in a section's table and refuse a repeated key: returns its
 * index, or -1 after reporting the problem. */
static int claim_key(ini_parser *p, const ini_key *keys, int n, int *key_line, const char *name)
{
    char label[128];
    int k = 0;
    while (k < n && strcmp(keys[k].name, name) != 0)
        k++;
    if (k == n) {
        ini_err(p, p->lineno, "unknown key \"%s\" in %s", name,
                ini_section_label(p, label, sizeof label));
        return -1;
    }
    if (key_line[k]) {
        ini_err(p, p->lineno, "duplicate key \"%s\" in %s (first at line %d)", name,
                ini_section_label(p, label, sizeof label), key_line[k]);
        return -1;
    }
    key_line[k] = p->lineno;
    return k;
}

void ini_dag_key(ini_parser *p, const char *name, const char *v)
{
    int k = p->key = claim_key(p, dag_keys, DK_COUNT, p->dag_key_line, name);
    if (k >= 0 && *v) /* an empty value keeps the default */
        apply_key(p, &dag_keys[k], p->d, p, v);
}

void ini_dag_continuation(ini_parser *p, const char *v)
{
    const ini_key *k = &dag_keys[p->key];
    if (k->continues)
        apply_key(p, k, p->d, p, v);
    else
        ini_err(p, p->lineno, CONTINUATION_ERROR, k->name);
}

void ini_task_key(ini_parser *p, const char *name, const char *v)
{
    dag_task *t = &p->d->tasks[p->task];
    task_meta *m = &p->meta[p->task];
    int k = p->key = claim_key(p, task_keys, TK_COUNT, m->key_line, name);
    if (k < 0)
        return;
    if (k == TK_COMMAND)
        t->command_line = p->lineno;
    if (!*v)
        return; /* an empty value keeps the default; a command may start below */
    m->set[k] = true;
    apply_key(p, &task_keys[k], t, m, v);
}

void ini_task_continuation(ini_parser *p, const char *v)
{
    task_meta *m = &p->meta[p->task];
    const ini_key *k = &task_keys[p->key];
    m->set[p->key] = true;
    if (k->continues)
        apply_key(p, k, &p->d->tasks[p->task], m, v);
    else
        ini_err(p, p->lineno, CONTINUATION_ERROR, k->name);
}

const char *ini_task_key_name(int key)
{
    return task_keys[key].name;
}

const char *ini_executor_name(int executor)
{
    return executor_names[executor];
}

/* DAG files: the [dag] and [task ID] keys, and the checks that need the whole
 * file (dates need the timezone, templates need [params], upstream needs
 * every task). */
#include "dag_ini.h"
#include "template.h"
#include "timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const dag_keys[DK_COUNT] = {
    "id",
    "schedule",
    "start_date",
    "end_date",
    "timezone",
    "catchup",
    "max_active_runs",
    "max_active_tasks",
    "depends_on_past",
    "retries",
    "retry_delay",
    "timeout",
    "notify",
    "sla",
};

static const char *const task_keys[TK_COUNT] = {
    "command",      "upstream", "retries",         "retry_delay", "timeout", "pool",
    "trigger_rule", "branch",   "depends_on_past", "image",       "env",     "volumes",
    "network",      "user",     "workdir",         "entrypoint",  "pull",    "keep",
    "memory",       "cpus",     "notify",          "sla",
};

#define CONTINUATION_ERROR                                                                         \
    "\"%s\" does not continue on an indented line (only command and the lists upstream, env, "     \
    "volumes and notify do)"

static int lookup(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

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

enum item_kind { ITEM_ID, ITEM_ENV, ITEM_VOLUME };

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

/* Look KEY up in a section's table and refuse a repeated key: returns its
 * index, or -1 after reporting the problem. */
static int claim_key(ini_parser *p, const char *const *names, int n, int *key_line,
                     const char *name)
{
    char label[128];
    int k = lookup(names, n, name);
    if (k < 0) {
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
    dag *d = p->d;
    char err[200];
    int k = p->key = claim_key(p, dag_keys, DK_COUNT, p->dag_key_line, name);
    if (k < 0 || !*v)
        return; /* an empty value keeps the default */
    switch ((enum dag_key)k) {
    case DK_ID:
        if (dag_id_valid(v))
            set_str(&d->id, v);
        else
            ini_err(p, p->lineno, "bad DAG id \"%s\": use letters, digits, '_', '.' and '-'", v);
        break;
    case DK_SCHEDULE:
        if (cron_parse(v, &d->cron, err, sizeof err) < 0)
            ini_err(p, p->lineno, "bad schedule \"%s\": %s", v, err);
        else
            set_str(&d->schedule, v);
        break;
    case DK_START_DATE:
        set_str(&p->start_date, v);
        break;
    case DK_END_DATE:
        set_str(&p->end_date, v);
        break;
    case DK_TIMEZONE:
        if (tz_exists(v))
            set_str(&d->timezone, v);
        else
            ini_err(p, p->lineno, "unknown timezone \"%s\"", v);
        break;
    case DK_CATCHUP:
        set_bool(p, name, v, &d->catchup);
        break;
    case DK_MAX_ACTIVE_RUNS:
        set_int(p, name, v, 1, &d->max_active_runs);
        break;
    case DK_MAX_ACTIVE_TASKS:
        set_int(p, name, v, 1, &d->max_active_tasks);
        break;
    case DK_DEPENDS_ON_PAST:
        set_bool(p, name, v, &p->def_depends_on_past);
        break;
    case DK_RETRIES:
        set_int(p, name, v, 0, &p->def_retries);
        break;
    case DK_RETRY_DELAY:
        set_duration(p, name, v, &p->def_retry_delay);
        break;
    case DK_TIMEOUT:
        set_duration(p, name, v, &p->def_timeout);
        break;
    case DK_NOTIFY:
        add_items(p, &d->notify, NULL, &p->notify_ix, v, ITEM_ID, name);
        break;
    case DK_SLA:
        set_duration(p, name, v, &d->sla_us);
        break;
    case DK_COUNT:
        break;
    }
}

void ini_dag_continuation(ini_parser *p, const char *v)
{
    if (p->key == DK_NOTIFY)
        add_items(p, &p->d->notify, NULL, &p->notify_ix, v, ITEM_ID, "notify");
    else
        ini_err(p, p->lineno, CONTINUATION_ERROR, dag_keys[p->key]);
}

static void add_command_line(ini_parser *p, dag_task *t, task_meta *m, const char *v)
{
    ini_append_line(p, &t->command, v);
    intvec_push(&m->cmd_lines, p->lineno);
}

void ini_task_key(ini_parser *p, const char *name, const char *v)
{
    dag_task *t = &p->d->tasks[p->task];
    task_meta *m = &p->meta[p->task];
    char err[200];
    int k = p->key = claim_key(p, task_keys, TK_COUNT, m->key_line, name);
    if (k < 0)
        return;
    if (k == TK_COMMAND)
        t->command_line = p->lineno;
    if (!*v)
        return; /* an empty value keeps the default; a command may start below */
    m->set[k] = true;
    switch ((enum task_key)k) {
    case TK_COMMAND:
        add_command_line(p, t, m, v);
        break;
    case TK_UPSTREAM:
        add_items(p, &t->upstream, &m->up_lines, &m->up_ix, v, ITEM_ID, name);
        break;
    case TK_RETRIES:
        set_int(p, name, v, 0, &t->retries);
        break;
    case TK_RETRY_DELAY:
        set_duration(p, name, v, &t->retry_delay_us);
        break;
    case TK_TIMEOUT:
        set_duration(p, name, v, &t->timeout_us);
        break;
    case TK_SLA:
        set_duration(p, name, v, &t->sla_us);
        break;
    case TK_POOL:
        if (dag_id_valid(v))
            set_str(&t->pool, v);
        else
            ini_err(p, p->lineno, "bad pool name \"%s\"", v);
        break;
    case TK_TRIGGER_RULE: {
        int r = trigger_rule_parse(v);
        if (r < 0)
            ini_err(p, p->lineno,
                    "unknown trigger rule \"%s\" (expected all_success, all_failed, all_done, "
                    "all_skipped, one_success, one_failed, one_done, none_failed, "
                    "none_failed_min_one_success, none_skipped or always)",
                    v);
        else
            t->trigger_rule = (enum trigger_rule)r;
        break;
    }
    case TK_BRANCH:
        set_bool(p, name, v, &t->branch);
        break;
    case TK_DEPENDS_ON_PAST:
        set_bool(p, name, v, &t->depends_on_past);
        break;
    case TK_KEEP:
        set_bool(p, name, v, &t->keep);
        break;
    case TK_IMAGE:
        set_str(&t->image, v);
        break;
    case TK_NETWORK:
        set_str(&t->network, v);
        break;
    case TK_USER:
        set_str(&t->user, v);
        break;
    case TK_WORKDIR:
        set_str(&t->workdir, v);
        break;
    case TK_ENTRYPOINT:
        set_str(&t->entrypoint, v);
        break;
    case TK_PULL:
        if (strcmp(v, "never") && strcmp(v, "missing") && strcmp(v, "always"))
            ini_err(p, p->lineno, "bad pull \"%s\": expected never, missing or always", v);
        else
            set_str(&t->pull, v);
        break;
    case TK_ENV:
        add_items(p, &t->env, &m->env_lines, NULL, v, ITEM_ENV, name);
        break;
    case TK_VOLUMES:
        add_items(p, &t->volumes, NULL, NULL, v, ITEM_VOLUME, name);
        break;
    case TK_NOTIFY:
        add_items(p, &t->notify, NULL, &m->notify_ix, v, ITEM_ID, name);
        break;
    case TK_MEMORY:
        if (size_parse(v, &t->memory_bytes, err, sizeof err) < 0)
            ini_err(p, p->lineno, "bad memory: %s", err);
        else if (t->memory_bytes <= 0)
            ini_err(p, p->lineno, "bad memory \"%s\": must be more than 0", v);
        break;
    case TK_CPUS: {
        char *end;
        errno = 0;
        double c = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(c) || c <= 0)
            ini_err(p, p->lineno, "bad cpus \"%s\": expected a positive number", v);
        else
            t->cpus = c;
        break;
    }
    case TK_COUNT:
        break;
    }
}

void ini_task_continuation(ini_parser *p, const char *v)
{
    dag_task *t = &p->d->tasks[p->task];
    task_meta *m = &p->meta[p->task];
    m->set[p->key] = true;
    switch (p->key) {
    case TK_COMMAND:
        add_command_line(p, t, m, v);
        break;
    case TK_UPSTREAM:
        add_items(p, &t->upstream, &m->up_lines, &m->up_ix, v, ITEM_ID, "upstream");
        break;
    case TK_ENV:
        add_items(p, &t->env, &m->env_lines, NULL, v, ITEM_ENV, "env");
        break;
    case TK_VOLUMES:
        add_items(p, &t->volumes, NULL, NULL, v, ITEM_VOLUME, "volumes");
        break;
    case TK_NOTIFY:
        add_items(p, &t->notify, NULL, &m->notify_ix, v, ITEM_ID, "notify");
        break;
    default:
        ini_err(p, p->lineno, CONTINUATION_ERROR, task_keys[p->key]);
    }
}

static void check_template(ini_parser *p, const dag_task *t, const char *what, const char *text,
                           int line, const char *const *names)
{
    char err[300];
    if (template_check(text, names, p->d->n_params, err, sizeof err) < 0)
        ini_err(p, line, "task %s: %s: %s", t->id, what, err);
}

static void finish_task(ini_parser *p, size_t i, const char *const *names)
{
    dag_task *t = &p->d->tasks[i];
    task_meta *m = &p->meta[i];
    /* [dag] gives the defaults, wherever in the file it comes. */
    if (!m->set[TK_RETRIES])
        t->retries = p->def_retries;
    if (!m->set[TK_RETRY_DELAY])
        t->retry_delay_us = p->def_retry_delay;
    if (!m->set[TK_TIMEOUT])
        t->timeout_us = p->def_timeout;
    if (!m->set[TK_DEPENDS_ON_PAST])
        t->depends_on_past = p->def_depends_on_past;
    t->notify_line = m->key_line[TK_NOTIFY];

    if (!m->key_line[TK_COMMAND]) {
        /* A command on a line too long to read was reported already. */
        if (!m->long_line)
            ini_err(p, t->line, "task %s: missing command", t->id);
    } else if (!t->command || !*t->command) {
        ini_err(p, t->command_line, "task %s: empty command", t->id);
    } else {
        /* Check line by line so that a message names the line at fault. */
        const char *s = t->command;
        for (size_t k = 0; *s; k++) {
            const char *nl = strchr(s, '\n');
            size_t len = nl ? (size_t)(nl - s) : strlen(s);
            char *piece = xstrndup(s, len);
            int line = k < m->cmd_lines.n ? m->cmd_lines.a[k] : t->command_line;
            check_template(p, t, "command", piece, line, names);
            free(piece);
            s += len + (nl != NULL);
        }
        /* Quotes may span lines: the whole script at once. */
        size_t at = (size_t)-1; /* set for a quoting error only */
        char err[300];
        if (template_check_command(t->command, &at, err, sizeof err) < 0 && at != (size_t)-1) {
            size_t k = 0;
            for (size_t c = 0; c < at; c++)
                k += t->command[c] == '\n';
            int line = k < m->cmd_lines.n ? m->cmd_lines.a[k] : t->command_line;
            ini_err(p, line, "task %s: command: %s", t->id, err);
        }
    }
    for (size_t j = 0; j < t->env.n; j++)
        check_template(p, t, "env", t->env.items[j], m->env_lines.a[j], names);
    if (t->image)
        check_template(p, t, "image", t->image, m->key_line[TK_IMAGE], names);
    else {
        static const int docker_only[] = {TK_VOLUMES, TK_NETWORK, TK_ENTRYPOINT, TK_PULL, TK_KEEP};
        for (size_t j = 0; j < sizeof docker_only / sizeof *docker_only; j++)
            if (m->set[docker_only[j]])
                ini_warn(p, m->key_line[docker_only[j]], "task %s: %s has no effect without image",
                         t->id, task_keys[docker_only[j]]);
    }
}

void ini_finish(ini_parser *p)
{
    dag *d = p->d;
    char err[200];
    d->start_date = d->end_date = DAG_NO_DATE;
    if (p->start_date &&
        time_parse(p->start_date, d->timezone, &d->start_date, err, sizeof err) < 0)
        ini_err(p, p->dag_key_line[DK_START_DATE], "bad start_date: %s", err);
    if (p->end_date && time_parse(p->end_date, d->timezone, &d->end_date, err, sizeof err) < 0)
        ini_err(p, p->dag_key_line[DK_END_DATE], "bad end_date: %s", err);
    else if (p->end_date && p->start_date && d->end_date < d->start_date)
        ini_err(p, p->dag_key_line[DK_END_DATE], "end_date is before start_date");

    d->notify_line = p->dag_key_line[DK_NOTIFY];
    const char **names = xmalloc((d->n_params + 1) * sizeof *names);
    for (size_t i = 0; i < d->n_params; i++)
        names[i] = d->params[i].name;
    for (size_t i = 0; i < d->n_tasks; i++)
        finish_task(p, i, names);
    free(names);

    if (d->n_tasks == 0) {
        ini_err(p, 0, "no tasks: add a [task ID] section");
        return;
    }
    int **up_lines = xmalloc(d->n_tasks * sizeof *up_lines);
    for (size_t i = 0; i < d->n_tasks; i++)
        up_lines[i] = p->meta[i].up_lines.a;
    p->errors += dag_link(d, up_lines, p->diags);
    free(up_lines);
}

/* DAG files: INI -> dag model with the system libinih.
 *
 * The system libinih is built with INI_HANDLER_LINENO 0 and INI_MAX_LINE 200,
 * so our reader counts lines, catches over-long lines (inih would split them
 * silently) and sees every section header itself (inih never reports an empty
 * section). It mirrors inih's line classification so that the handler knows
 * whether a call is for a key line or for a continuation line. */
#include "dag.h"
#include "dag_ini.h"
#include "template.h"
#include "timeutil.h"
#include "utf8.h"

#include <ini.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void ini_err(ini_parser *p, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    diag_add(p->diags, p->file, line, false, "%s", msg);
    free(msg);
    p->errors++;
}

void ini_warn(ini_parser *p, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    diag_add(p->diags, p->file, line, true, "%s", msg);
    free(msg);
}

void intvec_push(intvec *v, int x)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 4;
        v->a = xrealloc(v->a, v->cap * sizeof *v->a);
    }
    v->a[v->n++] = x;
}

void ini_append_line(ini_parser *p, char **s, const char *v)
{
    if (!*s || !**s) {
        free(*s);
        *s = xstrdup(v);
        return;
    }
    if (*s != p->cont_buf) { /* another value than last time */
        p->cont_len = strlen(*s);
        p->cont_cap = p->cont_len + 1;
    }
    size_t n = strlen(v);
    if (p->cont_len + n + 2 > p->cont_cap) {
        p->cont_cap = 2 * (p->cont_len + n + 2);
        *s = xrealloc(*s, p->cont_cap);
    }
    (*s)[p->cont_len++] = '\n';
    memcpy(*s + p->cont_len, v, n + 1);
    p->cont_len += n;
    p->cont_buf = *s;
}

/* The same whitespace and inline-comment rules as inih's own helpers. */
static char *lskip(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

static void rstrip(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
}

static char *find_chars_or_comment(char *s, const char *chars)
{
    bool was_space = false;
    while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

static void declare_task(ini_parser *p, const char *id)
{
    dag *d = p->d;
    if (!d->task_ix)
        d->task_ix = strindex_new();
    if (!strindex_add(d->task_ix, id, d->n_tasks)) {
        ini_err(p, p->lineno, "duplicate [task %s]: first declared at line %d", id,
                d->tasks[strindex_get(d->task_ix, id)].line);
        p->sect = SECT_IGNORED;
        return;
    }
    if (d->n_tasks == p->task_cap) {
        p->task_cap = p->task_cap ? p->task_cap * 2 : 8;
        d->tasks = xrealloc(d->tasks, p->task_cap * sizeof *d->tasks);
        p->meta = xrealloc(p->meta, p->task_cap * sizeof *p->meta);
    }
    dag_task *t = &d->tasks[d->n_tasks];
    memset(t, 0, sizeof *t);
    memset(&p->meta[d->n_tasks], 0, sizeof p->meta[d->n_tasks]);
    t->id = xstrdup(id);
    t->line = p->lineno;
    t->trigger_rule = TR_ALL_SUCCESS;
    p->task = d->n_tasks++;
    p->sect = SECT_TASK;
}

static void section_header(ini_parser *p, char *s)
{
    p->key = -1;
    char *end = find_chars_or_comment(s + 1, "]");
    if (*end != ']') {
        /* inih keeps the previous section here; ignore what follows instead
         * of piling errors onto it. */
        ini_err(p, p->lineno, "section header without a closing ']'");
        p->sect = SECT_IGNORED;
        return;
    }
    p->prev_name = false;
    *end = '\0';
    char *rest = lskip(end + 1);
    if (*rest && *rest != ';' && *rest != '#')
        ini_err(p, p->lineno, "unexpected text after ']': \"%s\"", rest);
    char *name = s + 1;
    rstrip(name);
    name = lskip(name);

    if (strcmp(name, "dag") == 0 || strcmp(name, "params") == 0) {
        bool is_dag = name[0] == 'd';
        int *first = is_dag ? &p->dag_line : &p->params_line;
        if (*first) {
            ini_err(p, p->lineno, "duplicate [%s] section: first at line %d", name, *first);
            p->sect = SECT_IGNORED;
            return;
        }
        *first = p->lineno;
        p->sect = is_dag ? SECT_DAG : SECT_PARAMS;
    } else if (strncmp(name, "task", 4) == 0 && (!name[4] || isspace((unsigned char)name[4]))) {
        char *id = lskip(name + 4);
        p->sect = SECT_IGNORED;
        if (!*id)
            ini_err(p, p->lineno, "[task] needs an id: [task ID]");
        else if (!dag_id_valid(id))
            ini_err(p, p->lineno, "bad task id \"%s\": use letters, digits, '_', '.' and '-'", id);
        else
            declare_task(p, id);
    } else if (strcmp(name, "family") == 0 ||
               (strncmp(name, "member", 6) == 0 && (!name[6] || isspace((unsigned char)name[6])))) {
        ini_family_section(p, name);
    } else {
        ini_err(p, p->lineno, "unknown section [%s] (expected [dag], [params] or [task ID])", name);
        p->sect = SECT_IGNORED;
    }
}

/* Decide what inih will make of the current line, in inih's own order:
 * comment or blank, continuation, section header, key. */
static void classify(ini_parser *p)
{
    char work[sizeof p->raw];
    memcpy(work, p->raw, sizeof work);
    char *s = lskip(work);
    rstrip(s);
    p->kind = LINE_OTHER;
    if (*s == ';' || *s == '#' || !*s)
        return;
    if (p->prev_name && s > work) {
        p->kind = LINE_CONT;
        return;
    }
    if (*s == '[') {
        section_header(p, s);
        return;
    }
    char *end = find_chars_or_comment(s, "=:");
    if (*end == '=' || *end == ':') {
        *end = '\0';
        rstrip(s);
        p->prev_name = *s != '\0';
        p->kind = LINE_KEY;
        return;
    }
    ini_err(p, p->lineno, "expected KEY = VALUE, a [section] or a comment");
}

/* The ini_reader: one physical line per call, like fgets, but counting
 * lines and refusing to let inih split a long line. */
static char *read_line(char *str, int num, void *stream)
{
    ini_parser *p = stream;
    size_t len = 0, limit = sizeof p->raw - 1;
    bool any = false, newline = false, nul = false;
    int c, last = EOF;
    if (num > 0 && (size_t)num - 1 < limit)
        limit = (size_t)num - 1;
    while ((c = getc(p->f)) != EOF) {
        any = true;
        if (c == '\n') {
            newline = true;
            break;
        }
        nul |= c == '\0';
        if (len < sizeof p->raw - 1)
            p->raw[len] = (char)c;
        len++;
        last = c;
    }
    if (!any)
        return NULL;
    p->lineno++;
    p->kind = LINE_OTHER;
    if (newline && last == '\r')
        len--; /* CRLF files: the CR is not part of the line's length */
    if (len > limit || nul) {
        if (nul)
            ini_err(p, p->lineno, "line holds a NUL byte");
        else
            ini_err(p, p->lineno, "line longer than %zu characters", limit);
        /* Hand inih a blank line: the rest was consumed, so nothing of it
         * turns into a bogus next line. Continuation lines that follow have
         * lost their key line: ignore them rather than pile up errors. */
        p->key = -1;
        if (p->sect == SECT_TASK)
            p->meta[p->task].long_line = true;
        /* A long section header: its keys must not land in the previous one. */
        size_t lead = 0;
        while (lead < len && lead < sizeof p->raw - 1 && isspace((unsigned char)p->raw[lead]))
            lead++;
        if (lead < sizeof p->raw - 1 && p->raw[lead] == '[' && !(p->prev_name && lead > 0))
            p->sect = SECT_IGNORED;
        p->raw[0] = '\0';
        str[0] = '\0';
        return str;
    }
    p->raw[len] = '\0';
    if (p->lineno == 1 && (unsigned char)p->raw[0] == 0xEF && (unsigned char)p->raw[1] == 0xBB &&
        (unsigned char)p->raw[2] == 0xBF)
        memmove(p->raw, p->raw + 3, len - 2);
    size_t n = strlen(p->raw);
    memcpy(str, p->raw, n + 1);
    /* Keep the newline when it fits, as fgets would. */
    if (newline && n + 2 <= (size_t)num) {
        str[n] = '\n';
        str[n + 1] = '\0';
    }
    classify(p);
    return str;
}

/* The line holds an inline comment that inih removed from a command. */
static bool cut_by_comment(const char *raw)
{
    for (const char *s = raw; *s; s++)
        if (*s == ';' && s > raw && isspace((unsigned char)s[-1]))
            return true;
    return false;
}

static int probe_handler(void *user, const char *section, const char *name, const char *value)
{
    (void)section;
    if (strcmp(name, "k") == 0)
        *(bool *)user = strcmp(value, "b") == 0;
    return 1;
}

/* inih r55 strips inline comments from key lines only; later releases also
 * from continuation lines. Ask the library we run with, once (files load
 * on worker threads too). */
static bool cuts_continuations;
static pthread_once_t cuts_probed = PTHREAD_ONCE_INIT;

static void probe_cuts(void)
{
    ini_parse_string("[s]\nk = a\n  b ;c\n", probe_handler, &cuts_continuations);
}

static bool inih_cuts_continuations(void)
{
    pthread_once(&cuts_probed, probe_cuts);
    return cuts_continuations;
}

const char *ini_section_label(ini_parser *p, char *buf, size_t len)
{
    if (p->sect == SECT_DAG)
        return "[dag]";
    if (p->sect == SECT_PARAMS)
        return "[params]";
    if (p->sect == SECT_FAMILY)
        return "[family]";
    if (p->sect == SECT_MEMBER) {
        snprintf(buf, len, "[member %s]", p->fam->sect[p->cur_member].name);
        return buf;
    }
    snprintf(buf, len, "[task %s]", p->d->tasks[p->task].id);
    return buf;
}

static void param_key(ini_parser *p, const char *name, const char *value)
{
    dag *d = p->d;
    bool ok = (isalpha((unsigned char)name[0]) || name[0] == '_');
    for (const char *s = name; *s; s++)
        ok = ok && (isalnum((unsigned char)*s) || *s == '_');
    if (!ok) {
        ini_err(p, p->lineno, "bad param name \"%s\": use letters, digits and '_'", name);
        return;
    }
    if (!p->param_ix)
        p->param_ix = strindex_new();
    if (!strindex_add(p->param_ix, name, d->n_params)) {
        ini_err(p, p->lineno, "duplicate param \"%s\" (first at line %d)", name,
                d->params[strindex_get(p->param_ix, name)].line);
        return;
    }
    if (d->n_params == p->param_cap) {
        p->param_cap = p->param_cap ? 2 * p->param_cap : 8;
        d->params = xrealloc(d->params, p->param_cap * sizeof *d->params);
    }
    d->params[d->n_params] = (dag_param){xstrdup(name), xstrdup(value), p->lineno};
    p->key = (int)d->n_params++;
}

static void on_key(ini_parser *p, const char *name, const char *value)
{
    p->key = -1;        /* until this key proves good, its continuations are ignored */
    p->cont_buf = NULL; /* a new value: nothing cached about the last one */
    switch (p->sect) {
    case SECT_NONE:
        ini_err(p, p->lineno, "key \"%s\" comes before any section ([dag] or [task ID])", name);
        break;
    case SECT_IGNORED:
        break;
    case SECT_DAG:
        ini_dag_key(p, name, value);
        break;
    case SECT_PARAMS:
        param_key(p, name, value);
        break;
    case SECT_FAMILY:
    case SECT_MEMBER:
        ini_family_key(p, name, value);
        break;
    case SECT_TASK:
        ini_task_key(p, name, value);
        if (p->key == TK_COMMAND && cut_by_comment(p->raw))
            ini_warn(p, p->lineno, "%s", INI_CUT_WARNING);
        break;
    }
}

static void on_continuation(ini_parser *p, const char *value)
{
    if (p->key < 0)
        return; /* the key line was already reported */
    if (p->sect == SECT_PARAMS) {
        ini_append_line(p, &p->d->params[p->key].value, value);
    } else if (p->sect == SECT_DAG) {
        ini_dag_continuation(p, value);
    } else if (p->sect == SECT_FAMILY || p->sect == SECT_MEMBER) {
        ini_family_continuation(p, value);
    } else if (p->sect == SECT_TASK) {
        ini_task_continuation(p, value);
        if (p->key == TK_COMMAND && cut_by_comment(p->raw) && inih_cuts_continuations())
            ini_warn(p, p->lineno, "%s", INI_CUT_WARNING);
    }
}

static int on_value(void *user, const char *section, const char *name, const char *value)
{
    ini_parser *p = user;
    (void)section; /* ours is exact; inih's is truncated at 49 characters */
    if (p->kind == LINE_KEY)
        on_key(p, name, value);
    else if (p->kind == LINE_CONT)
        on_continuation(p, value);
    /* Problems are reported as diagnostics; inih's first-error line is unused. */
    return 1;
}

char *ini_file_stem(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".ini") == 0)
        n -= 4;
    return xstrndup(base, n);
}

static char *dir_of(const char *name)
{
    char *real = realpath(name, NULL);
    const char *path = real ? real : name;
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash)
        dir = xstrdup(".");
    else if (slash == path)
        dir = xstrdup("/");
    else
        dir = xstrndup(path, (size_t)(slash - path));
    free(real);
    return dir;
}

/* Report in file order: a stable merge sort of what this load added (the
 * checks after the last line add problems about every task). */
static void sort_by_line(diag_list *l, size_t from)
{
    size_t n = l->n - from;
    if (n < 2)
        return;
    diag *a = l->items + from, *tmp = xmalloc(n * sizeof *tmp);
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = a[j].line < a[i].line ? a[j++] : a[i++];
            while (i < mid)
                tmp[k++] = a[i++];
            while (j < hi)
                tmp[k++] = a[j++];
        }
        memcpy(a, tmp, n * sizeof *a);
    }
    free(tmp);
}

static void parser_free(ini_parser *p)
{
    for (size_t i = 0; i < p->d->n_tasks; i++) {
        free(p->meta[i].up_lines.a);
        free(p->meta[i].env_lines.a);
        free(p->meta[i].cmd_lines.a);
        strindex_free(p->meta[i].up_ix);
        strindex_free(p->meta[i].notify_ix);
    }
    free(p->meta);
    strindex_free(p->param_ix);
    strindex_free(p->notify_ix);
    free(p->start_date);
    free(p->end_date);
    ini_family_free(p);
}

dag *ini_load_pass(FILE *f, const char *name, const char *default_tz, diag_list *diags,
                   const char *member, strlist *members)
{
    ini_parser p = {0};
    p.member = member;
    size_t first_diag = diags->n;
    p.f = f;
    p.file = name ? name : "<dag>";
    p.diags = diags;
    p.key = -1;
    p.def_retry_delay = DAG_DEFAULT_RETRY_DELAY_US;
    dag *d = p.d = xcalloc(1, sizeof *d);
    d->refs = 1;
    d->file = xstrdup(p.file);
    d->dir = dir_of(p.file);
    d->catchup = true;
    d->max_active_runs = DAG_DEFAULT_MAX_ACTIVE_RUNS;
    d->max_active_tasks = DAG_DEFAULT_MAX_ACTIVE_TASKS;

    int r = ini_parse_stream(read_line, &p, on_value, &p);
    if (ferror(f))
        ini_err(&p, 0, "read error");
    else if (r < 0)
        ini_err(&p, 0, "cannot parse (inih error %d)", r);
    else if (r > 0 && p.errors == 0)
        ini_err(&p, r, "syntax error");

    const char *base = strrchr(p.file, '/');
    if (!utf8_valid(base ? base + 1 : p.file))
        ini_err(&p, 0, "the file name is not valid UTF-8");
    ini_family_finish_id(&p);
    if (p.fam && members)
        for (size_t i = 0; i < p.fam->members.n; i++)
            strlist_push(members, p.fam->members.items[i]);
    if (!d->id) {
        d->id = ini_file_stem(p.file);
        if (!dag_id_valid(d->id))
            ini_err(&p, 0, "the file name gives the DAG id \"%s\": set a valid id in [dag]", d->id);
    }
    if (!d->timezone)
        d->timezone = xstrdup(default_tz && *default_tz ? default_tz : "UTC");
    if (!d->schedule) {
        char err[200];
        d->schedule = xstrdup("none");
        cron_parse("none", &d->cron, err, sizeof err);
    }
    ini_finish(&p);
    sort_by_line(diags, first_diag);

    parser_free(&p);
    if (p.errors) {
        dag_free(d);
        return NULL;
    }
    return d;
}

dag *dag_load_stream(FILE *f, const char *name, const char *default_tz, diag_list *diags)
{
    return ini_load_pass(f, name, default_tz, diags, NULL, NULL);
}

dag *dag_load_file(const char *path, const char *default_tz, diag_list *diags)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        diag_add(diags, path, 0, false, "cannot open: %s", strerror(errno));
        return NULL;
    }
    dag *d = dag_load_stream(f, path, default_tz, diags);
    fclose(f);
    return d;
}

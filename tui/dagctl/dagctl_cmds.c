/* The dagctl subcommands: arguments in, one request, output out. */
#include "dagctl.h"
#include "timeutil.h"

#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ctl_parse_args(ctl *x, const char *const *value_flags, const char *const *bool_flags,
                   parsed_args *p)
{
    memset(p, 0, sizeof *p);
    for (int i = 0; i < x->argc; i++) {
        const char *a = x->argv[i];
        if (a[0] != '-' || a[1] == '\0') {
            if (p->n_pos == 4)
                return ctl_usage_error("too many arguments");
            p->pos[p->n_pos++] = a;
            continue;
        }
        bool known = false;
        for (const char *const *f = value_flags; f && *f && !known; f++) {
            if (strcmp(a, *f) == 0) {
                if (i + 1 >= x->argc)
                    return ctl_usage_error("%s needs a value", a);
                if (p->n_flags == 16)
                    return ctl_usage_error("too many options");
                p->flag[p->n_flags] = a;
                p->value[p->n_flags++] = x->argv[++i];
                known = true;
            }
        }
        for (const char *const *f = bool_flags; f && *f && !known; f++) {
            if (strcmp(a, *f) == 0) {
                if (p->n_flags == 16)
                    return ctl_usage_error("too many options");
                p->flag[p->n_flags] = a;
                p->value[p->n_flags++] = "";
                known = true;
            }
        }
        if (!known)
            return ctl_usage_error("unknown option \"%s\"", a);
    }
    return 0;
}

const char *ctl_flag_value(const parsed_args *p, const char *flag)
{
    for (int i = p->n_flags - 1; i >= 0; i--)
        if (strcmp(p->flag[i], flag) == 0)
            return p->value[i];
    return NULL;
}

int ctl_number_flag(const parsed_args *p, const char *flag, long min, long *out)
{
    const char *v = ctl_flag_value(p, flag);
    if (!v)
        return 0;
    char *end;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end || n < min)
        return ctl_usage_error("%s needs a whole number >= %ld, got \"%s\"", flag, min, v);
    *out = n;
    return 0;
}

static const char *const no_flags[] = {NULL};

int ctl_finish(ctl *x, json_t *result, void (*human)(json_t *))
{
    if (x->json)
        ctl_print_json(result);
    else
        human(result);
    json_decref(result);
    return EXIT_OK;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static bool utf8_terminal(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && strcmp(cs, "UTF-8") == 0;
}

/* One glyph per state that reads without colour. */
static const char *glyph(const char *state)
{
    static const char *const names[] = {"success",      "failed",          "running", "none",
                                        "up_for_retry", "upstream_failed", "skipped", "queued",
                                        "scheduled",    "removed"};
    static const char *const utf8[] = {"✓", "✗", "▶", "·", "↻", "⊘", "»", "◷", "◷", "-"};
    static const char *const ascii[] = {"+", "x", ">", ".", "r", "^", "s", "q", "q", "-"};
    bool u = utf8_terminal();
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (state && strcmp(state, names[i]) == 0)
            return u ? utf8[i] : ascii[i];
    return "?";
}

static void print_dags(json_t *list)
{
    printf("%-24s %-6s %-16s %-26s %s\n", "DAG", "PAUSED", "SCHEDULE", "NEXT RUN", "RECENT");
    size_t i;
    json_t *d;
    json_array_foreach(list, i, d)
    {
        char recent[128] = "";
        size_t k;
        json_t *s;
        json_array_foreach(json_object_get(d, "recent"), k, s)
        {
            strncat(recent, glyph(json_string_value(s)), sizeof recent - strlen(recent) - 1);
        }
        printf("%-24s %-6s %-16s %-26s %s\n", str(d, "dag_id"),
               json_is_true(json_object_get(d, "paused")) ? "yes" : "no", str(d, "schedule"),
               str(d, "next_run"), recent);
        if (json_is_string(json_object_get(d, "error")))
            printf("  error: %s\n", str(d, "error"));
    }
}

int ctl_dags(ctl *x)
{
    if (x->argc)
        return ctl_usage_error("usage: dagctl dags");
    int rc;
    json_t *r = ctl_fetch_list(x, "dags", "dags", json_object(), 0, 0, &rc);
    return r ? ctl_finish(x, r, print_dags) : rc;
}

static void print_status(json_t *o)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        printf("%-12s %s\n", key, json_is_string(v) ? json_string_value(v) : s ? s : "?");
        free(s);
    }
}

int ctl_status(ctl *x)
{
    if (x->argc)
        return ctl_usage_error("usage: dagctl status");
    int rc;
    json_t *r = ctl_call(x, "status", NULL, 30000, &rc);
    return r ? ctl_finish(x, r, print_status) : rc;
}

static void print_next(json_t *list)
{
    printf("%-32s %s\n", "LOGICAL DATE", "STARTS AT");
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        printf("%-32s %s\n", str(o, "logical_date"), str(o, "starts_at"));
    }
}

int ctl_next(ctl *x)
{
    static const char *const vf[] = {"--count", NULL};
    parsed_args p;
    long count = 5;
    if (ctl_parse_args(x, vf, no_flags, &p) || ctl_number_flag(&p, "--count", 1, &count))
        return EXIT_USAGE;
    if (p.n_pos != 1)
        return ctl_usage_error("usage: dagctl next DAG [--count N]");
    int rc;
    json_t *r = ctl_call(
        x, "next", json_pack("{s:s, s:i}", "dag_id", p.pos[0], "count", (int)count), 30000, &rc);
    return r ? ctl_finish(x, r, print_next) : rc;
}

static void print_trigger(json_t *o)
{
    printf("%s\n", str(o, "run_id"));
}

int ctl_trigger(ctl *x)
{
    static const char *const vf[] = {"--date", "--param", NULL};
    parsed_args p;
    if (ctl_parse_args(x, vf, no_flags, &p))
        return EXIT_USAGE;
    if (p.n_pos != 1)
        return ctl_usage_error("usage: dagctl trigger DAG [--date D] [--param K=V]...");
    json_t *params = json_object();
    for (int i = 0; i < p.n_flags; i++) {
        if (strcmp(p.flag[i], "--param") != 0)
            continue;
        const char *eq = strchr(p.value[i], '=');
        if (!eq || eq == p.value[i]) {
            json_decref(params);
            return ctl_usage_error("--param needs KEY=VALUE, got \"%s\"", p.value[i]);
        }
        char *key = strndup(p.value[i], (size_t)(eq - p.value[i]));
        json_object_set_new(params, key, json_string(eq + 1));
        free(key);
    }
    json_t *args = json_pack("{s:s, s:o}", "dag_id", p.pos[0], "params", params);
    const char *date = ctl_flag_value(&p, "--date");
    if (date)
        json_object_set_new(args, "date", json_string(date));
    int rc;
    json_t *r = ctl_call(x, "trigger", args, 30000, &rc);
    return r ? ctl_finish(x, r, print_trigger) : rc;
}

static void print_wait(json_t *o)
{
    printf("%s %s\n", str(o, "run_id"), str(o, "state"));
}

int ctl_wait(ctl *x)
{
    static const char *const vf[] = {"--timeout", NULL};
    parsed_args p;
    long timeout = 0;
    if (ctl_parse_args(x, vf, no_flags, &p) || ctl_number_flag(&p, "--timeout", 1, &timeout))
        return EXIT_USAGE;
    if (p.n_pos != 2)
        return ctl_usage_error("usage: dagctl wait DAG RUN [--timeout S]");
    json_t *args = json_pack("{s:s, s:s}", "dag_id", p.pos[0], "run_id", p.pos[1]);
    if (timeout)
        json_object_set_new(args, "timeout_s", json_integer(timeout));
    int rc;
    json_t *r = ctl_call(x, "wait", args, -1, &rc);
    if (!r)
        return rc;
    bool timed_out = json_is_true(json_object_get(r, "timed_out"));
    bool success = strcmp(str(r, "state"), "success") == 0;
    json_object_del(r, "timed_out");
    ctl_finish(x, r, print_wait);
    return timed_out ? EXIT_USAGE : success ? EXIT_OK : EXIT_REFUSED;
}

static void print_grid(json_t *g)
{
    json_t *tasks = json_object_get(g, "tasks");
    size_t i, k;
    json_t *t, *r;
    printf("%-32s %-8s ", "LOGICAL DATE", "STATE");
    json_array_foreach(tasks, i, t)
    {
        printf("%zu", i % 10);
    }
    printf("\n");
    json_array_foreach(json_object_get(g, "runs"), k, r)
    {
        printf("%-32s %-8s ", str(r, "logical_date"), str(r, "state"));
        json_t *cells = json_object_get(r, "tasks");
        json_array_foreach(tasks, i, t)
        {
            json_t *cell = json_object_get(cells, json_string_value(t));
            fputs(cell ? glyph(str(cell, "state")) : " ", stdout);
        }
        printf("\n");
    }
    printf("\ntasks:");
    json_array_foreach(tasks, i, t)
    {
        printf(" %zu=%s", i, json_string_value(t));
    }
    printf("\n");
}

int ctl_grid(ctl *x)
{
    static const char *const vf[] = {"--limit", "--offset", "--before", NULL};
    parsed_args p;
    long limit = 25, offset = 0;
    if (ctl_parse_args(x, vf, no_flags, &p) || ctl_number_flag(&p, "--limit", 1, &limit) ||
        ctl_number_flag(&p, "--offset", 0, &offset))
        return EXIT_USAGE;
    if (p.n_pos != 1)
        return ctl_usage_error("usage: dagctl grid DAG [--limit N] [--offset N] [--before RUN]");
    int rc;
    json_t *r = ctl_fetch_grid(x, p.pos[0], limit, offset, ctl_flag_value(&p, "--before"), &rc);
    return r ? ctl_finish(x, r, print_grid) : rc;
}

int ctl_logs(ctl *x)
{
    static const char *const vf[] = {"--try", NULL};
    static const char *const bf[] = {"-f", "--follow", NULL};
    parsed_args p;
    long try_number = 0;
    if (ctl_parse_args(x, vf, bf, &p) || ctl_number_flag(&p, "--try", 1, &try_number))
        return EXIT_USAGE;
    if (p.n_pos != 3)
        return ctl_usage_error("usage: dagctl logs DAG RUN TASK [--try N] [-f]");
    bool follow = ctl_flag_value(&p, "-f") || ctl_flag_value(&p, "--follow");
    long long offset = 0;
    for (;;) {
        json_t *args = json_pack("{s:s, s:s, s:s, s:I}", "dag_id", p.pos[0], "run_id", p.pos[1],
                                 "task_id", p.pos[2], "offset", (json_int_t)offset);
        if (try_number)
            json_object_set_new(args, "try", json_integer(try_number));
        int rc;
        json_t *r = ctl_call(x, "logs", args, 30000, &rc);
        if (!r)
            return rc;
        const char *text = json_string_value(json_object_get(r, "text"));
        fputs(text ? text : "", stdout);
        fflush(stdout);
        offset = json_integer_value(json_object_get(r, "offset"));
        try_number = json_integer_value(json_object_get(r, "try_number"));
        bool eof = json_is_true(json_object_get(r, "eof"));
        bool finished = json_is_true(json_object_get(r, "finished"));
        json_decref(r);
        if (eof && (!follow || finished))
            return EXIT_OK;
        if (eof)
            usleep(200 * 1000); /* following a live log: look again shortly */
    }
}

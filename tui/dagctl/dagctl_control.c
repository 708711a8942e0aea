/* The dagctl subcommands that change state: pause, unpause, clear, mark,
 * backfill; and audit, the record of those changes. */
#include "dagctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_paused(json_t *o)
{
    printf("%s %s\n", json_string_value(json_object_get(o, "dag_id")),
           json_is_true(json_object_get(o, "paused")) ? "paused" : "unpaused");
}

static int set_paused(ctl *x, const char *cmd)
{
    parsed_args p;
    if (ctl_parse_args(x, NULL, NULL, &p))
        return EXIT_USAGE;
    if (p.n_pos != 1)
        return ctl_usage_error("usage: dagctl %s DAG", cmd);
    int rc;
    json_t *r = ctl_call(x, cmd, json_pack("{s:s}", "dag_id", p.pos[0]), 30000, &rc);
    return r ? ctl_finish(x, r, print_paused) : rc;
}

int ctl_pause(ctl *x)
{
    return set_paused(x, "pause");
}

int ctl_unpause(ctl *x)
{
    return set_paused(x, "unpause");
}

static void print_touched(json_t *list)
{
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        printf("  %-44s %s\n", json_string_value(json_object_get(o, "run_id")),
               json_string_value(json_object_get(o, "task_id")));
    }
}

/* A terminal answers the question; without one (scripts) the answer is yes. */
static bool confirm(const char *verb, size_t n)
{
    if (!isatty(STDIN_FILENO))
        return true;
    fprintf(stderr, "%s these %zu task instances? [y/N] ", verb, n);
    char line[16];
    if (!fgets(line, sizeof line, stdin))
        return false;
    return line[0] == 'y' || line[0] == 'Y';
}

/* clear and mark: ask with dry_run first, show what will be touched. */
static int change(ctl *x, const char *cmd, const char *key, const char *verb, json_t *args,
                  bool dry_run, bool yes)
{
    int rc;
    json_object_set_new(args, "dry_run", json_true());
    json_t *preview = ctl_call(x, cmd, json_deep_copy(args), 30000, &rc);
    if (!preview) {
        json_decref(args);
        return rc;
    }
    json_t *list = json_object_get(preview, key);
    size_t n = json_array_size(list);
    if (dry_run) {
        json_decref(args);
        if (x->json) {
            ctl_print_json(preview);
        } else {
            printf("would %s %zu task instance%s:\n", verb, n, n == 1 ? "" : "s");
            print_touched(list);
        }
        json_decref(preview);
        return EXIT_OK;
    }
    if (n > 1 && !yes && !x->json) {
        printf("%s %zu task instances:\n", verb, n);
        print_touched(list);
        if (!confirm(verb, n)) {
            printf("nothing changed\n");
            json_decref(preview);
            json_decref(args);
            return EXIT_REFUSED;
        }
    }
    json_decref(preview);
    json_object_set_new(args, "dry_run", json_false());
    json_t *done = ctl_call(x, cmd, args, 30000, &rc);
    if (!done)
        return rc;
    if (x->json) {
        json_object_del(done, "dry_run");
        ctl_print_json(done);
    } else {
        size_t m = json_array_size(json_object_get(done, key));
        printf("%s %zu task instance%s\n", key, m, m == 1 ? "" : "s");
        print_touched(json_object_get(done, key));
    }
    json_decref(done);
    return EXIT_OK;
}

static const char *const selection_flags[] = {
    "--downstream",   "--upstream", "--past", "--future", "--failed-only",
    "--keep-version", "--dry-run",  "--yes",  "-y",       NULL};

static json_t *selection_args(const parsed_args *p)
{
    json_t *args = json_pack("{s:s, s:s, s:s}", "dag_id", p->pos[0], "run_id", p->pos[1], "task_id",
                             p->pos[2]);
    const char *names[][2] = {{"--downstream", "downstream"},
                              {"--upstream", "upstream"},
                              {"--past", "past"},
                              {"--future", "future"},
                              {"--failed-only", "failed_only"},
                              {"--keep-version", "keep_version"}};
    for (size_t i = 0; i < 6; i++)
        if (ctl_flag_value(p, names[i][0]))
            json_object_set_new(args, names[i][1], json_true());
    return args;
}

int ctl_clear(ctl *x)
{
    parsed_args p;
    if (ctl_parse_args(x, NULL, selection_flags, &p))
        return EXIT_USAGE;
    if (p.n_pos != 3)
        return ctl_usage_error("usage: dagctl clear DAG RUN TASK [--downstream] [--upstream] "
                               "[--past] [--future] [--failed-only] [--keep-version] [--dry-run] "
                               "[--yes]");
    bool yes = ctl_flag_value(&p, "--yes") || ctl_flag_value(&p, "-y");
    return change(x, "clear", "cleared", "clear", selection_args(&p),
                  ctl_flag_value(&p, "--dry-run") != NULL, yes);
}

int ctl_mark(ctl *x)
{
    parsed_args p;
    if (ctl_parse_args(x, NULL, selection_flags, &p))
        return EXIT_USAGE;
    if (p.n_pos != 4 || (strcmp(p.pos[3], "success") != 0 && strcmp(p.pos[3], "failed") != 0) ||
        ctl_flag_value(&p, "--failed-only") || ctl_flag_value(&p, "--keep-version"))
        return ctl_usage_error("usage: dagctl mark DAG RUN TASK success|failed [--downstream] "
                               "[--upstream] [--past] [--future] [--dry-run] [--yes]");
    json_t *args = selection_args(&p);
    json_object_set_new(args, "state", json_string(p.pos[3]));
    bool yes = ctl_flag_value(&p, "--yes") || ctl_flag_value(&p, "-y");
    return change(x, "mark", "marked",
                  strcmp(p.pos[3], "success") == 0 ? "mark success" : "mark failed", args,
                  ctl_flag_value(&p, "--dry-run") != NULL, yes);
}

static void print_run_ids(json_t *o)
{
    size_t i;
    json_t *id;
    json_array_foreach(json_object_get(o, "run_ids"), i, id)
    {
        printf("%s\n", json_string_value(id));
    }
}

int ctl_backfill(ctl *x)
{
    static const char *const vf[] = {"--from", "--to", NULL};
    parsed_args p;
    if (ctl_parse_args(x, vf, NULL, &p))
        return EXIT_USAGE;
    const char *from = ctl_flag_value(&p, "--from"), *to = ctl_flag_value(&p, "--to");
    if (p.n_pos != 1 || !from || !to)
        return ctl_usage_error("usage: dagctl backfill DAG --from D --to D");
    int rc;
    json_t *r = ctl_call(x, "backfill",
                         json_pack("{s:s, s:s, s:s}", "dag_id", p.pos[0], "from", from, "to", to),
                         60000, &rc);
    return r ? ctl_finish(x, r, print_run_ids) : rc;
}

static const char *text(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static void print_audit(json_t *list)
{
    printf("%-25s %-10s %-13s %-16s %-34s %-12s %s\n", "TIME", "USER", "ACTION", "DAG", "RUN",
           "TASK", "DETAIL");
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        printf("%-25s %-10s %-13s %-16s %-34s %-12s %s\n", text(o, "time"), text(o, "user"),
               text(o, "action"), text(o, "dag_id"), text(o, "run_id"), text(o, "task_id"),
               text(o, "detail"));
    }
}

int ctl_audit(ctl *x)
{
    static const char *const vf[] = {"--limit", "--offset", NULL};
    parsed_args p;
    long limit = 50, offset = 0;
    if (ctl_parse_args(x, vf, NULL, &p) || ctl_number_flag(&p, "--limit", 1, &limit) ||
        ctl_number_flag(&p, "--offset", 0, &offset))
        return EXIT_USAGE;
    if (p.n_pos != 0)
        return ctl_usage_error("usage: dagctl audit [--limit N] [--offset N]");
    int rc;
    json_t *r = ctl_fetch_list(x, "audit", "audit", json_object(), offset, limit, &rc);
    return r ? ctl_finish(x, r, print_audit) : rc;
}

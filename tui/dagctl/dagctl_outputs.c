/* dagctl outputs DAG RUN [TASK]: what the run's tasks wrote to
 * $DAGD_OUTPUT. --json gives {"TASK":{"KEY":"VALUE"}}; plain text one
 * TASK.KEY=VALUE line each, newlines and backslashes in values escaped. */
#include "dagctl.h"

#include <stdio.h>
#include <string.h>

static void print_value(const char *v)
{
    for (const char *c = v; *c; c++) {
        if (*c == '\n')
            fputs("\\n", stdout);
        else if (*c == '\\')
            fputs("\\\\", stdout);
        else
            putchar(*c);
    }
}

static void print_outputs(json_t *all)
{
    const char *task, *key;
    json_t *kv, *v;
    json_object_foreach(all, task, kv)
    {
        json_object_foreach(kv, key, v)
        {
            printf("%s.%s=", task, key);
            print_value(json_string_value(v) ? json_string_value(v) : "");
            putchar('\n');
        }
    }
}

int ctl_outputs(ctl *x)
{
    parsed_args p;
    if (ctl_parse_args(x, NULL, NULL, &p))
        return EXIT_USAGE;
    if (p.n_pos != 2 && p.n_pos != 3)
        return ctl_usage_error("usage: dagctl outputs DAG RUN [TASK]");
    json_t *args = json_pack("{s:s, s:s}", "dag_id", p.pos[0], "run_id", p.pos[1]);
    if (p.n_pos == 3)
        json_object_set_new(args, "task_id", json_string(p.pos[2]));
    int rc;
    json_t *r = ctl_call(x, "outputs", args, 30000, &rc);
    return r ? ctl_finish(x, r, print_outputs) : rc;
}

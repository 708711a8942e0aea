/* dagctl task DAG RUN TASK: one task instance and what each try ran. */
#include "dagctl.h"

#include <stdio.h>
#include <string.h>

static const char *text(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static void print_task(json_t *o)
{
    printf("%s %s %s: %s, try %lld of %lld\n", text(o, "dag_id"), text(o, "run_id"),
           text(o, "task_id"), text(o, "state"),
           (long long)json_integer_value(json_object_get(o, "try_number")),
           (long long)json_integer_value(json_object_get(o, "max_tries")));
    if (json_is_string(json_object_get(o, "waiting_for")))
        printf("waiting for %s\n", text(o, "waiting_for"));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(o, "tries"), i, t)
    {
        json_t *d = json_object_get(t, "duration_s");
        printf("try %lld  %s  %s  start %s  end %s",
               (long long)json_integer_value(json_object_get(t, "try")), text(t, "state"),
               text(t, "executor"), text(t, "start"), text(t, "end"));
        if (json_is_number(d))
            printf("  took %.1fs", json_number_value(d));
        printf("\n");
        if (json_is_string(json_object_get(t, "image")))
            printf("  image:   %s\n", text(t, "image"));
        printf("  command: %s\n", text(t, "command"));
        json_t *names = json_object_get(t, "env_names");
        if (json_array_size(names)) {
            size_t k;
            json_t *n;
            printf("  env:    ");
            json_array_foreach(names, k, n)
            {
                printf(" %s", json_string_value(n));
            }
            printf("\n");
        }
    }
}

int ctl_task(ctl *x)
{
    parsed_args p;
    if (ctl_parse_args(x, NULL, NULL, &p))
        return EXIT_USAGE;
    if (p.n_pos != 3)
        return ctl_usage_error("usage: dagctl task DAG RUN TASK");
    int rc;
    json_t *r = ctl_call(
        x, "task",
        json_pack("{s:s, s:s, s:s}", "dag_id", p.pos[0], "run_id", p.pos[1], "task_id", p.pos[2]),
        30000, &rc);
    return r ? ctl_finish(x, r, print_task) : rc;
}

/* dagctl versions / show: a DAG's file versions, and the text of one. */
#include "dagctl.h"

#include <stdio.h>
#include <string.h>

static const char *const no_flags[] = {NULL};

static void print_versions(json_t *list)
{
    printf("%-12s  %-32s  %s\n", "VERSION", "FIRST SEEN", "RUNS");
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        const char *v = json_string_value(json_object_get(o, "version"));
        const char *t = json_string_value(json_object_get(o, "first_seen"));
        printf("%-12s  %-32s  %lld\n", v ? v : "", t ? t : "",
               (long long)json_integer_value(json_object_get(o, "runs")));
    }
}

int ctl_versions(ctl *x)
{
    parsed_args p;
    if (ctl_parse_args(x, NULL, no_flags, &p))
        return EXIT_USAGE;
    if (p.n_pos != 1)
        return ctl_usage_error("usage: dagctl versions DAG");
    int rc;
    json_t *r = ctl_call(x, "versions", json_pack("{s:s}", "dag_id", p.pos[0]), 30000, &rc);
    return r ? ctl_finish(x, r, print_versions) : rc;
}

/* The file's text, plain with --json too (as logs): page after page. */
int ctl_show(ctl *x)
{
    static const char *const vf[] = {"--version", NULL};
    parsed_args p;
    if (ctl_parse_args(x, vf, no_flags, &p))
        return EXIT_USAGE;
    if (p.n_pos != 1)
        return ctl_usage_error("usage: dagctl show DAG [--version V]");
    const char *version = ctl_flag_value(&p, "--version");
    long long offset = 0;
    for (;;) {
        json_t *args = json_pack("{s:s, s:I}", "dag_id", p.pos[0], "offset", (json_int_t)offset);
        if (version)
            json_object_set_new(args, "version", json_string(version));
        int rc;
        json_t *r = ctl_call(x, "show", args, 30000, &rc);
        if (!r)
            return rc;
        const char *text = json_string_value(json_object_get(r, "text"));
        fputs(text ? text : "", stdout);
        long long next = json_integer_value(json_object_get(r, "offset"));
        bool more = json_is_true(json_object_get(r, "more")) && next > offset;
        json_decref(r);
        offset = next;
        if (!more)
            break;
    }
    fflush(stdout);
    return EXIT_OK;
}

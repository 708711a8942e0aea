/* dagctl metrics / backup FILE: the operations side of the agent. */
#include "dagctl.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The text as is, with --json too (SPEC: plain either way). */
int ctl_metrics(ctl *x)
{
    if (x->argc)
        return ctl_usage_error("usage: dagctl metrics");
    int rc;
    json_t *r = ctl_call(x, "metrics", NULL, 30000, &rc);
    if (!r)
        return rc;
    fputs(json_string_value(r) ? json_string_value(r) : "", stdout);
    json_decref(r);
    return EXIT_OK;
}

static void print_backup(json_t *o)
{
    printf("%s: %lld bytes\n", json_string_value(json_object_get(o, "file")),
           (long long)json_integer_value(json_object_get(o, "bytes")));
}

int ctl_backup(ctl *x)
{
    parsed_args p;
    if (ctl_parse_args(x, NULL, NULL, &p))
        return EXIT_USAGE;
    if (p.n_pos != 1 || !p.pos[0][0])
        return ctl_usage_error("usage: dagctl backup FILE");
    /* The agent has its own working folder: FILE relative to ours. */
    char cwd[PATH_MAX];
    char *file = NULL;
    if (p.pos[0][0] == '/')
        file = strdup(p.pos[0]);
    else if (getcwd(cwd, sizeof cwd) && asprintf(&file, "%s/%s", cwd, p.pos[0]) < 0)
        file = NULL;
    if (!file)
        return ctl_usage_error("cannot tell the current folder");
    int rc;
    /* No client timeout: a big store takes as long as it takes. */
    json_t *r = ctl_call(x, "backup", json_pack("{s:s}", "file", file), -1, &rc);
    free(file);
    return r ? ctl_finish(x, r, print_backup) : rc;
}

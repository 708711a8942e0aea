#include "dagctl.h"
#include "version.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct subcommand {
    const char *name;
    const char *usage;
    int (*run)(ctl *x);
} subcommands[] = {
    {"dags", "dags", ctl_dags},
    {"status", "status", ctl_status},
    {"next", "next DAG [--count N]", ctl_next},
    {"trigger", "trigger DAG [--date D] [--param K=V]...", ctl_trigger},
    {"wait", "wait DAG RUN [--timeout S]", ctl_wait},
    {"grid", "grid DAG [--limit N] [--offset N] [--before RUN]", ctl_grid},
    {"logs", "logs DAG RUN TASK [--try N] [-f]", ctl_logs},
    {"outputs", "outputs DAG RUN [TASK]", ctl_outputs},
    {"task", "task DAG RUN TASK", ctl_task},
    {"pause", "pause DAG", ctl_pause},
    {"unpause", "unpause DAG", ctl_unpause},
    {"clear",
     "clear DAG RUN TASK [--downstream] [--upstream] [--past] [--future] [--failed-only] "
     "[--keep-version] "
     "[--dry-run] [--yes]",
     ctl_clear},
    {"mark",
     "mark DAG RUN TASK success|failed [--downstream] [--upstream] [--past] [--future] [--dry-run] "
     "[--yes]",
     ctl_mark},
    {"backfill", "backfill DAG --from D --to D", ctl_backfill},
    {"audit", "audit [--limit N] [--offset N]", ctl_audit},
    {"notify", "notify test NAME", ctl_notify},
    {"nodes", "nodes", ctl_nodes},
    {"metrics", "metrics", ctl_metrics},
    {"backup", "backup FILE", ctl_backup},
    {"versions", "versions DAG", ctl_versions},
    {"show", "show DAG [--version V]", ctl_show},
};

static void usage(FILE *out)
{
    fputs("usage: dagctl [-s SOCKET] [--json] COMMAND ...\n"
          "The socket also comes from $DAGD_SOCKET.\n"
          "Exit status: 0 done, 1 refused by the agent or run failed, 2 usage or connection.\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < sizeof subcommands / sizeof *subcommands; i++)
        fprintf(out, "  dagctl %s\n", subcommands[i].usage);
}

int ctl_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("dagctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_USAGE;
}

void ctl_print_json(json_t *result)
{
    char *s = json_dumps(result, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    puts(s ? s : "null");
    free(s);
}

json_t *ctl_call(ctl *x, const char *cmd, json_t *args, int timeout_ms, int *exit_code)
{
    char err[512];
    json_t *reply = conn_call(&x->c, cmd, args, timeout_ms, err, sizeof err);
    if (!reply) {
        fprintf(stderr, "dagctl: %s\n", err);
        *exit_code = EXIT_USAGE;
        return NULL;
    }
    if (!json_is_true(json_object_get(reply, "ok"))) {
        json_t *e = json_object_get(reply, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        if (x->json)
            ctl_print_json(e);
        fprintf(stderr, "dagctl: %s (%s)\n", msg ? msg : "refused", code ? code : "?");
        json_decref(reply);
        *exit_code = EXIT_REFUSED;
        return NULL;
    }
    json_t *result = json_incref(json_object_get(reply, "result"));
    json_decref(reply);
    return result;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    ctl x = {.socket = NULL};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
            x.socket = argv[++i];
        } else if (strcmp(argv[i], "--json") == 0) {
            x.json = true;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("dagctl %s\n", DAGD_VERSION);
            return EXIT_OK;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return EXIT_OK;
        } else {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const struct subcommand *sub = NULL;
    for (size_t k = 0; k < sizeof subcommands / sizeof *subcommands; k++)
        if (strcmp(subcommands[k].name, argv[i]) == 0)
            sub = &subcommands[k];
    if (!sub)
        return ctl_usage_error("unknown command \"%s\" (see dagctl --help)", argv[i]);
    x.argc = argc - i - 1;
    x.argv = argv + i + 1;
    char err[512];
    if (conn_open(&x.c, conn_default_path(x.socket), err, sizeof err)) {
        fprintf(stderr, "dagctl: %s\n", err);
        return EXIT_USAGE;
    }
    int rc = sub->run(&x);
    conn_close(&x.c);
    return rc;
}

/* libFuzzer target: {{ name }} templates, shell quoting and word splitting.
 * Invariants: check and render agree; text without "{{" renders as itself;
 * shell_split(shell_quote(x)) is exactly [x]; quoting every word of a split
 * and splitting again gives the same words. */
#include "template.h"

#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const pnames[] = {"table", "v", "q"};
static const char *const pvalues[] = {"orders", "it's; rm -rf /", NULL};

static const template_ctx ctx = {
    .ds = "2026-11-22",
    .ds_nodash = "20261122",
    .ts = "2026-11-22T00:00:00+09:00",
    .data_interval_start = "2026-11-22T00:00:00+09:00",
    .data_interval_end = "2026-11-23T00:00:00+09:00",
    .prev_ds = "2026-11-21",
    .next_ds = "2026-11-23",
    .run_id = "scheduled__2026-11-22T00:00:00+09:00",
    .dag_id = "etl",
    .task_id = "extract",
    .try_number = "2",
    .param_names = pnames,
    .param_values = pvalues,
    .n_params = 3,
};

static size_t count(char **words)
{
    size_t n = 0;
    while (words[n])
        n++;
    return n;
}

static void check_templates(const char *s)
{
    char err[300] = "";
    int rc = template_check(s, pnames, 3, err, sizeof err);
    if (rc != 0 && !err[0])
        abort();
    for (int quote = 0; quote < 2; quote++) {
        char rerr[300] = "";
        char *out = template_render(s, &ctx, quote, rerr, sizeof rerr);
        if ((rc == 0) != (out != NULL))
            abort();
        if (!out && strcmp(err, rerr) != 0)
            abort(); /* the same message either way */
        if (out && !strstr(s, "{{") && strcmp(out, s) != 0)
            abort();
        free(out);
    }
}

static void check_quote(const char *s)
{
    char err[300];
    char *q = shell_quote(s);
    char **w = shell_split(q, err, sizeof err);
    if (!w || count(w) != 1 || strcmp(w[0], s) != 0)
        abort();
    shell_split_free(w);
    free(q);
}

static void check_split(const char *s)
{
    char err[300] = "";
    char **w = shell_split(s, err, sizeof err);
    if (!w) {
        if (!err[0])
            abort();
        return;
    }
    strbuf sb = {0};
    for (size_t i = 0; w[i]; i++) {
        char *q = shell_quote(w[i]);
        sb_append(&sb, i ? " " : "");
        sb_append(&sb, q);
        free(q);
    }
    char **again = shell_split(sb.data ? sb.data : "", err, sizeof err);
    if (!again || count(again) != count(w))
        abort();
    for (size_t i = 0; w[i]; i++)
        if (strcmp(w[i], again[i]) != 0)
            abort();
    shell_split_free(again);
    shell_split_free(w);
    sb_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0'; /* an embedded NUL ends the text, as for any C string */
    check_templates(s);
    check_quote(s);
    check_split(s);
    free(s);
    return 0;
}

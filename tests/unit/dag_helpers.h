/* Helpers shared by the DAG loader tests: load a text, find a diagnostic.
 * Include after <cmocka.h>. */
#ifndef DAGD_TEST_DAG_HELPERS_H
#define DAGD_TEST_DAG_HELPERS_H

#include "dag.h"

#include <stdio.h>
#include <string.h>

static inline dag *load_named(const char *text, const char *name, diag_list *dl)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(f);
    dag *d = dag_load_stream(f, name, "Europe/Paris", dl);
    fclose(f);
    return d;
}

static inline dag *load(const char *text, diag_list *dl)
{
    return load_named(text, "/nonexistent/dags/test.ini", dl);
}

static inline void dump(const diag_list *dl)
{
    diag_print(dl, stderr);
}

/* The diagnostic at LINE whose message contains WANT, or NULL. */
static inline const diag *find_diag(const diag_list *dl, int line, const char *want)
{
    for (size_t i = 0; i < dl->n; i++)
        if (dl->items[i].line == line && strstr(dl->items[i].message, want))
            return &dl->items[i];
    return NULL;
}

static inline void expect_diag(const diag_list *dl, int line, bool warning, const char *want)
{
    const diag *d = find_diag(dl, line, want);
    if (!d || d->warning != warning) {
        dump(dl);
        fail_msg("no %s at line %d containing \"%s\"", warning ? "warning" : "error", line, want);
    }
}

static inline dag *load_ok(const char *text, diag_list *dl)
{
    dag *d = load(text, dl);
    if (!d) {
        dump(dl);
        fail_msg("did not load");
    }
    return d;
}

#endif

/* What notifiers and SLAs keep in the store: an SLA miss is recorded once
 * (the key decides, across restarts), the grid shows it on the run and the
 * task cell, and a run's logical date is found for task events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    char dir[64];
    char *path;
    store *s;
    dag_entry de;
    diag_list diags;
    run *r;
} fixture;

static const char dag_text[] = "[dag]\nsla = 1h\n"
                               "[task a]\ncommand = true\nsla = 10m\n"
                               "[task b]\nupstream = a\ncommand = true\n";

#define LOGICAL (1795392000LL * 1000000LL) /* 2026-11-23T00:00:00Z */

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/dagd-nstore.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->path = xasprintf("%s/dagd.db", f->dir);
    char err[256] = "";
    f->s = store_open(f->path, err, sizeof err);
    assert_non_null(f->s);
    FILE *in = fmemopen((void *)dag_text, sizeof dag_text - 1, "r");
    f->de.model = dag_load_stream(in, "d.ini", "UTC", &f->diags);
    fclose(in);
    assert_non_null(f->de.model);
    f->de.dag_id = "d";
    f->de.file = "d.ini";
    run *r = calloc(1, sizeof *r);
    r->de = &f->de;
    r->model = f->de.model;
    r->run_id = xstrdup("scheduled__2026-11-23T00:00:00+00:00");
    r->run_type = xstrdup("scheduled");
    r->logical_us = r->interval_start_us = LOGICAL;
    r->interval_end_us = r->due_us = LOGICAL + USEC_PER_DAY;
    r->params_json = xstrdup("{}");
    r->n_tis = f->de.model->n_tasks;
    r->tis = calloc(r->n_tis, sizeof *r->tis);
    for (size_t i = 0; i < r->n_tis; i++)
        r->tis[i].max_tries = 1;
    assert_int_equal(store_run_insert(f->s, r), 0);
    f->r = r;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->s);
    dag_free(f->de.model);
    diag_free(&f->diags);
    free(f->r->run_id);
    free(f->r->run_type);
    free(f->r->params_json);
    free(f->r->tis);
    free(f->r);
    char *cmd = xasprintf("rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(f->path);
    free(f);
    return 0;
}

static void test_recorded_once(void **state)
{
    fixture *f = *state;
    const char *run_id = f->r->run_id;
    assert_int_equal(store_sla_miss_record(f->s, "d", run_id, NULL, 1), 0);
    assert_int_equal(store_sla_miss_record(f->s, "d", run_id, NULL, 2), 1);
    assert_int_equal(store_sla_miss_record(f->s, "d", run_id, "a", 3), 0);
    assert_int_equal(store_sla_miss_record(f->s, "d", run_id, "a", 4), 1);
    /* A restarted agent opens the same file: still once. */
    store_close(f->s);
    char err[256] = "";
    f->s = store_open(f->path, err, sizeof err);
    assert_non_null(f->s);
    assert_int_equal(store_sla_miss_record(f->s, "d", run_id, "a", 5), 1);
    assert_int_equal(store_sla_miss_record(f->s, "d", run_id, "b", 6), 0);
}

static void test_grid_shows_misses(void **state)
{
    fixture *f = *state;
    json_t *g = store_grid_json(f->s, &f->de, 10);
    json_t *r = json_array_get(json_object_get(g, "runs"), 0);
    assert_true(json_is_false(json_object_get(r, "sla_miss")));
    json_t *cells = json_object_get(r, "tasks");
    assert_true(json_is_false(json_object_get(json_object_get(cells, "a"), "sla_miss")));
    json_decref(g);

    store_sla_miss_record(f->s, "d", f->r->run_id, "a", 1);
    g = store_grid_json(f->s, &f->de, 10);
    r = json_array_get(json_object_get(g, "runs"), 0);
    cells = json_object_get(r, "tasks");
    assert_true(json_is_false(json_object_get(r, "sla_miss")));
    assert_true(json_is_true(json_object_get(json_object_get(cells, "a"), "sla_miss")));
    assert_true(json_is_false(json_object_get(json_object_get(cells, "b"), "sla_miss")));
    json_decref(g);

    store_sla_miss_record(f->s, "d", f->r->run_id, NULL, 1);
    g = store_grid_json(f->s, &f->de, 10);
    r = json_array_get(json_object_get(g, "runs"), 0);
    assert_true(json_is_true(json_object_get(r, "sla_miss")));
    json_decref(g);
}

static void test_run_logical(void **state)
{
    fixture *f = *state;
    assert_int_equal(store_run_logical(f->s, "d", f->r->run_id), LOGICAL);
    assert_int_equal(store_run_logical(f->s, "d", "nope"), -1);
    assert_int_equal(store_run_logical(f->s, "other", f->r->run_id), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_recorded_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grid_shows_misses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_logical, setup, teardown),
    };
    return cmocka_run_group_tests_name("notify_store", tests, NULL, NULL);
}

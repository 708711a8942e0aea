/* Fill a state folder with history through the agent's own store code
 * (agent/store*.c: the schema and its migrations, the same inserts), so
 * the figures of a big store never drift from the real one.
 *
 *   gen_history STATE_DIR DAGS_DIR DAG_ID TASKS RUNS [START_DATE]
 *
 * writes DAGS_DIR/DAG_ID.ini (a daily chain of TASKS tasks of `true`,
 * catchup off) and RUNS finished daily runs from START_DATE (default: RUNS
 * days ago) into STATE_DIR/dagd.db, each task instance a success on its
 * first try; the DAG is paused, so that only the history is measured.
 * 20,000 runs x 50 tasks is 1,000,000 task instances, ~55 years (dates
 * start at 1970). */
#include "store.h"
#include "timeutil.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dag *write_dag(const char *dags_dir, const char *dag_id, int tasks, const char *start)
{
    char *path = xasprintf("%s/%s.ini", dags_dir, dag_id);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fprintf(f, "[dag]\nschedule = @daily\nstart_date = %s\ncatchup = false\n", start);
    for (int i = 0; i < tasks; i++) {
        fprintf(f, "[task t%02d]\ncommand = true\n", i);
        if (i)
            fprintf(f, "upstream = t%02d\n", i - 1);
    }
    fclose(f);
    diag_list diags = {0};
    dag *m = dag_load_file(path, "UTC", &diags);
    if (!m) {
        diag_print(&diags, stderr);
        exit(1);
    }
    diag_free(&diags);
    free(path);
    return m;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: gen_history STATE_DIR DAGS_DIR DAG_ID TASKS RUNS [START]\n");
        return 2;
    }
    int tasks = atoi(argv[4]), runs = atoi(argv[5]);
    char start[32];
    if (argc > 6) {
        snprintf(start, sizeof start, "%s", argv[6]);
    } else {
        char iso[48];
        time_format_iso(time_now_us() - (int64_t)(runs + 2) * USEC_PER_DAY, "UTC", iso, sizeof iso);
        snprintf(start, sizeof start, "%.10s", iso);
    }
    dag_entry de = {.dag_id = argv[3]};
    de.file = xasprintf("%s/%s.ini", argv[2], argv[3]);
    de.model = write_dag(argv[2], argv[3], tasks, start);
    char *db = xasprintf("%s/dagd.db", argv[1]);
    char err[512] = "";
    store *s = store_open(db, err, sizeof err);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    store_dag_sync(s, de.dag_id, de.file);
    store_dag_set_paused(s, de.dag_id, true);
    int64_t day0;
    if (time_parse(start, "UTC", &day0, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    run r = {.de = &de, .model = de.model, .run_type = "scheduled", .params_json = "{}"};
    r.n_tis = (size_t)tasks;
    r.tis = xcalloc(r.n_tis, sizeof *r.tis);
    store_batch_begin(s);
    for (int k = 0; k < runs; k++) {
        char iso[48];
        r.logical_us = r.interval_start_us = day0 + k * USEC_PER_DAY;
        r.interval_end_us = r.due_us = r.logical_us + USEC_PER_DAY;
        time_format_iso(r.logical_us, "UTC", iso, sizeof iso);
        r.run_id = xasprintf("scheduled__%s", iso);
        r.state = RUN_SUCCESS;
        r.start_us = r.interval_end_us + USEC_PER_SEC;
        r.end_us = r.start_us + tasks * 2000;
        for (int i = 0; i < tasks; i++) {
            ti *t = &r.tis[i];
            t->state = TI_SUCCESS;
            t->try_number = t->max_tries = 1;
            t->start_us = r.start_us + i * 2000;
            t->end_us = t->start_us + 1500;
        }
        /* The insert stores state and tries; the save, the times too. */
        if (store_run_insert(s, &r) || store_run_save(s, &r)) {
            fprintf(stderr, "store: %s\n", store_error(s));
            return 1;
        }
        for (int i = 0; i < tasks; i++)
            store_ti_save(s, &r, (size_t)i);
        free(r.run_id);
        if (k % 500 == 499) { /* WAL checkpoints stay small */
            store_batch_commit(s);
            store_batch_begin(s);
        }
    }
    if (store_batch_commit(s)) {
        fprintf(stderr, "store: %s\n", store_error(s));
        return 1;
    }
    printf("%d runs x %d tasks = %lld task instances\n", runs, tasks, (long long)runs * tasks);
    store_close(s);
    dag_free(de.model);
    free(de.file);
    free(r.tis);
    free(db);
    return 0;
}

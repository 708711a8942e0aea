/* DAG files: parsing, defaults, continuation lines, topological order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dag_helpers.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The example of SPEC.md, "DAG files", comments included. */
static const char spec_example[] =
    "[dag]\n"
    "id = etl_orders             ; default: file name without .ini\n"
    "schedule = 0 3 * * *        ; 5-field cron\n"
    "start_date = 2026-11-01     ; date or date-time, in the DAG's timezone\n"
    "end_date =\ntimezone = Asia/Tokyo\ncatchup = true\nmax_active_runs = 2\n"
    "max_active_tasks = 4\ndepends_on_past = false\n"
    "retries = 1                 ; defaults for every task\n"
    "retry_delay = 30s           ; s m h d suffixes\n"
    "timeout = 1h\nnotify = ops\nsla = 2h\n"
    "\n"
    "[params]\n"
    "table = orders              ; defaults\n"
    "\n"
    "[task extract]\n"
    "command = ./extract.sh {{ ds }} {{ params.table }}\n"
    "retries = 3\ntimeout = 10m\npool = db\n"
    "\n"
    "[task train]\n"
    "upstream = extract\n"
    "image = busybox:latest      ; an image makes it a Docker task\n"
    "command = sh -c 'echo training'\nmemory = 256M\ncpus = 0.5\nenv = MODE=full\n"
    "\n"
    "[task pick]\n"
    "upstream = train\n"
    "branch = true               ; last stdout line names the downstream tasks\n"
    "command = if [ -e /srv/model/serving ]; then echo update; else echo deploy; fi\n"
    "\n"
    "[task deploy]\nupstream = pick\ncommand = ./deploy.sh\n"
    "[task update]\nupstream = pick\ncommand = ./update.sh\n"
    "[task join]\nupstream = deploy update\ntrigger_rule = none_failed\ncommand = echo done\n";

static void test_spec_example(void **state)
{
    (void)state;
    diag_list dl = {0};
    dag *d = load_ok(spec_example, &dl);
    assert_int_equal(dl.n, 0);
    assert_string_equal(d->id, "etl_orders");
    assert_string_equal(d->file, "/nonexistent/dags/test.ini");
    assert_string_equal(d->dir, "/nonexistent/dags");
    assert_string_equal(d->schedule, "0 3 * * *");
    assert_false(d->cron.none);
    assert_string_equal(d->timezone, "Asia/Tokyo");
    int64_t start;
    char err[200];
    assert_int_equal(time_parse("2026-11-01", "Asia/Tokyo", &start, err, sizeof err), 0);
    assert_true(d->start_date == start);
    assert_true(d->end_date == DAG_NO_DATE);
    assert_true(d->catchup);
    assert_int_equal(d->max_active_runs, 2);
    assert_int_equal(d->max_active_tasks, 4);
    assert_int_equal(d->notify.n, 1);
    assert_string_equal(d->notify.items[0], "ops");
    assert_true(d->sla_us == 2 * USEC_PER_HOUR);
    assert_int_equal(d->n_params, 1);
    assert_string_equal(d->params[0].name, "table");
    assert_string_equal(d->params[0].value, "orders");
    assert_int_equal(d->params[0].line, 18);
    assert_int_equal(dag_param_index(d, "table"), 0);
    assert_int_equal(dag_param_index(d, "nope"), -1);

    static const char *const order[] = {"extract", "train", "pick", "deploy", "update", "join"};
    assert_int_equal(d->n_tasks, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(d->tasks[i].id, order[i]);
        assert_int_equal(dag_task_index(d, order[i]), (int)i);
    }
    assert_int_equal(dag_task_index(d, "nope"), -1);

    dag_task *ex = &d->tasks[0], *tr = &d->tasks[1], *pk = &d->tasks[2], *jn = &d->tasks[5];
    assert_int_equal(ex->line, 20);
    assert_string_equal(ex->command, "./extract.sh {{ ds }} {{ params.table }}");
    assert_int_equal(ex->command_line, 21);
    assert_int_equal(ex->retries, 3);
    assert_true(ex->retry_delay_us == 30 * USEC_PER_SEC);
    assert_true(ex->timeout_us == 10 * USEC_PER_MIN);
    assert_string_equal(ex->pool, "db");
    assert_null(ex->image);
    assert_int_equal(ex->n_up, 0);
    assert_int_equal(ex->n_down, 1);
    assert_int_equal(ex->down[0], 1);

    assert_string_equal(tr->image, "busybox:latest");
    assert_string_equal(tr->command, "sh -c 'echo training'");
    assert_int_equal(tr->retries, 1); /* from [dag] */
    assert_true(tr->timeout_us == USEC_PER_HOUR);
    assert_true(tr->memory_bytes == 256LL * 1024 * 1024);
    assert_true(tr->cpus == 0.5);
    assert_int_equal(tr->env.n, 1);
    assert_string_equal(tr->env.items[0], "MODE=full");
    assert_null(tr->pool);
    assert_int_equal(tr->n_up, 1);
    assert_int_equal(tr->up[0], 0);
    assert_string_equal(tr->upstream.items[0], "extract");

    assert_true(pk->branch);
    assert_string_equal(pk->command,
                        "if [ -e /srv/model/serving ]; then echo update; else echo deploy; fi");
    assert_int_equal(pk->n_down, 2);
    assert_int_equal(pk->down[0], 3);
    assert_int_equal(pk->down[1], 4);

    assert_int_equal(jn->trigger_rule, TR_NONE_FAILED);
    assert_int_equal(jn->n_up, 2);
    assert_int_equal(jn->up[0], 3);
    assert_int_equal(jn->up[1], 4);
    assert_int_equal(d->tasks[3].trigger_rule, TR_ALL_SUCCESS);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(dag_task_is_leaf(d, i), i == 5);
    assert_false(dag_task_is_leaf(d, 6));
    dag_free(d);
    diag_free(&dl);
}

static void test_defaults(void **state)
{
    (void)state;
    diag_list dl = {0};
    dag *d = load_named("[task only]\ncommand = true\n", "some/dir/my_dag.ini", &dl);
    assert_non_null(d);
    assert_int_equal(dl.n, 0);
    assert_string_equal(d->id, "my_dag");
    assert_string_equal(d->dir, "some/dir");
    assert_string_equal(d->schedule, "none");
    assert_true(d->cron.none);
    assert_string_equal(d->timezone, "Europe/Paris");
    assert_true(d->start_date == DAG_NO_DATE && d->end_date == DAG_NO_DATE);
    assert_true(d->catchup);
    assert_int_equal(d->max_active_runs, DAG_DEFAULT_MAX_ACTIVE_RUNS);
    assert_int_equal(d->max_active_tasks, DAG_DEFAULT_MAX_ACTIVE_TASKS);
    dag_task *t = &d->tasks[0];
    assert_int_equal(t->retries, 0);
    assert_true(t->retry_delay_us == DAG_DEFAULT_RETRY_DELAY_US);
    assert_true(t->timeout_us == 0);
    assert_int_equal(t->trigger_rule, TR_ALL_SUCCESS);
    assert_false(t->branch || t->depends_on_past || t->keep);
    assert_null(t->pool);
    assert_null(t->up);
    assert_int_equal(t->n_up + t->n_down, 0);
    dag_free(d);
    diag_free(&dl);
}

/* [dag] defaults apply wherever [dag] comes; task keys always win. */
static void test_dag_defaults_any_order(void **state)
{
    (void)state;
    diag_list dl = {0};
    dag *d = load_ok("[task a]\n"
                     "command = a\n"
                     "retries = 5\n"
                     "depends_on_past = no\n"
                     "[task b]\n"
                     "command = b\n"
                     "[dag]\n"
                     "retries = 2\n"
                     "retry_delay = 1m\n"
                     "timeout = 2h\n"
                     "depends_on_past = yes\n"
                     "catchup = off\n",
                     &dl);
    assert_int_equal(d->tasks[0].retries, 5);
    assert_false(d->tasks[0].depends_on_past);
    assert_int_equal(d->tasks[1].retries, 2);
    assert_true(d->tasks[1].depends_on_past);
    assert_true(d->tasks[1].retry_delay_us == USEC_PER_MIN);
    assert_true(d->tasks[0].timeout_us == 2 * USEC_PER_HOUR);
    assert_false(d->catchup);
    dag_free(d);
    diag_free(&dl);
}

static void test_topological_order(void **state)
{
    (void)state;
    diag_list dl = {0};
    /* File order c a b d; c needs b, b needs a: ties go to file order. */
    dag *d = load_ok("[task c]\nupstream = b\ncommand = c\n"
                     "[task a]\ncommand = a\n"
                     "[task b]\nupstream = a\ncommand = b\n"
                     "[task d]\ncommand = d\n",
                     &dl);
    static const char *const order[] = {"a", "b", "c", "d"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(d->tasks[i].id, order[i]);
    assert_int_equal(d->tasks[1].up[0], 0);
    assert_int_equal(d->tasks[2].up[0], 1);
    assert_int_equal(d->tasks[0].down[0], 1);
    assert_int_equal(d->tasks[1].down[0], 2);
    assert_int_equal(d->tasks[0].line, 4);
    assert_true(dag_task_is_leaf(d, 2) && dag_task_is_leaf(d, 3));
    dag_free(d);
    diag_free(&dl);
}

/* A long chain written backwards: the sort and the cycle search must not
 * recurse per task. */
static void test_long_chain(void **state)
{
    (void)state;
    enum { N = 3000 };
    strbuf sb = {0};
    for (int i = N - 1; i >= 0; i--) {
        sb_appendf(&sb, "[task t%d]\ncommand = echo %d\n", i, i);
        if (i > 0)
            sb_appendf(&sb, "upstream = t%d\n", i - 1);
    }
    diag_list dl = {0};
    dag *d = load_ok(sb.data, &dl);
    assert_int_equal(d->n_tasks, N);
    for (int i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof id, "t%d", i);
        assert_string_equal(d->tasks[i].id, id);
    }
    dag_free(d);
    diag_free(&dl);
    sb_free(&sb);
}

static void test_continuation_lines(void **state)
{
    (void)state;
    diag_list dl = {0};
    dag *d = load_ok("[task a]\ncommand = a\n[task b]\ncommand = b\n[task c]\ncommand = c\n"
                     "[task j]\n"
                     "upstream = a\n"
                     "    b, c\n"
                     "env = A=1 B=2\n"
                     "\tDAY={{ ds }}   C=x=y\n"
                     "command = set -e\n"
                     "  echo {{ ds }}\n"
                     "\n"
                     "  ; a comment line is not part of the script\n"
                     "  echo done\n"
                     "    [ -e x ] || true\n"
                     "notify = ops\n"
                     "  pager\n",
                     &dl);
    assert_int_equal(dl.n, 0);
    dag_task *j = &d->tasks[3];
    assert_string_equal(j->id, "j");
    assert_int_equal(j->n_up, 3);
    assert_string_equal(j->upstream.items[1], "b");
    assert_string_equal(j->upstream.items[2], "c");
    assert_int_equal(j->up[2], 2);
    assert_int_equal(j->env.n, 4);
    assert_string_equal(j->env.items[2], "DAY={{ ds }}");
    assert_string_equal(j->env.items[3], "C=x=y");
    assert_string_equal(j->command, "set -e\necho {{ ds }}\necho done\n[ -e x ] || true");
    assert_int_equal(j->command_line, 12);
    assert_int_equal(j->notify.n, 2);
    dag_free(d);
    diag_free(&dl);

    /* A command may start on the line after its key; errors name the line. */
    d = load_ok("[task a]\ncommand =\n  echo one\n  echo two\n", &dl);
    assert_string_equal(d->tasks[0].command, "echo one\necho two");
    dag_free(d);
    assert_null(load("[task a]\ncommand = echo\n  echo {{ ds }}\n  echo {{ bad }}\n", &dl));
    expect_diag(&dl, 4, false, "unknown template name \"bad\"");
    assert_int_equal(diag_error_count(&dl), 1);
    diag_free(&dl);
}

static void test_inline_comment_warning(void **state)
{
    (void)state;
    diag_list dl = {0};
    dag *d = load_ok("[task a]\n"
                     "command = echo a; echo b\n"
                     "[task b]\n"
                     "command = echo a ; echo b\n"
                     "[task c]\n"
                     "command = true\n"
                     "  echo x\t;echo y\n"
                     "retries = 1 ; a comment on another key is fine\n",
                     &dl);
    assert_string_equal(d->tasks[0].command, "echo a; echo b");
    assert_string_equal(d->tasks[1].command, "echo a");
    expect_diag(&dl, 4, true,
                "inline comment: inih cut the command at ' ;' (write 'a; b' without a space "
                "before ';')");
    /* inih r55 leaves continuation lines whole, later releases cut them too:
     * the warning must say what really happened. */
    if (strcmp(d->tasks[2].command, "true\necho x") == 0) {
        assert_int_equal(dl.n, 2);
        expect_diag(&dl, 7, true, "inline comment");
    } else {
        assert_string_equal(d->tasks[2].command, "true\necho x\t;echo y");
        assert_int_equal(dl.n, 1);
    }
    char *s = diag_format(&dl.items[0]);
    assert_true(strstr(s, "test.ini:4: warning: inline comment") != NULL);
    free(s);
    dag_free(d);
    diag_free(&dl);
}

static void test_misc_accepted(void **state)
{
    (void)state;
    diag_list dl = {0};
    char longid[61];
    memset(longid, 'k', 60);
    longid[60] = '\0';
    strbuf sb = {0};
    /* BOM, CRLF, ':' as separator, an indented first key, a task id longer
     * than inih's 49-character section buffer, a leaf branch task, a
     * duplicate upstream item (warning). */
    sb_appendf(&sb,
               "\xEF\xBB\xBF[dag]\r\nschedule: @daily\r\n"
               "[task %s]\n  command = x\nbranch = true\nimage = alpine\npull = never\n"
               "keep = on\nvolumes = /a:/b:ro\n  /c:/d\nnetwork = none\nuser = 1000\n"
               "workdir = /w\nentrypoint = /bin/sh\nsla = 5m\n"
               "[task y]\nupstream = %s %s\ncommand = y\n",
               longid, longid, longid);
    dag *d = load_ok(sb.data, &dl);
    assert_int_equal(diag_error_count(&dl), 0);
    expect_diag(&dl, 17, true, "lists \"kkkk");
    assert_string_equal(d->schedule, "@daily");
    dag_task *t = &d->tasks[0];
    assert_string_equal(t->id, longid);
    assert_true(t->branch && t->keep);
    assert_string_equal(t->pull, "never");
    assert_int_equal(t->volumes.n, 2);
    assert_string_equal(t->volumes.items[1], "/c:/d");
    assert_string_equal(t->network, "none");
    assert_string_equal(t->user, "1000");
    assert_string_equal(t->workdir, "/w");
    assert_string_equal(t->entrypoint, "/bin/sh");
    assert_true(t->sla_us == 5 * USEC_PER_MIN);
    assert_int_equal(d->tasks[1].n_up, 1);
    dag_free(d);
    diag_free(&dl);
    sb_free(&sb);

    /* Docker-only keys on a local task only warn. */
    d = load_ok("[task a]\ncommand = a\nkeep = true\n", &dl);
    expect_diag(&dl, 3, true, "keep has no effect without image");
    dag_free(d);
    diag_free(&dl);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/dagd_test_dagXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "[task a]\ncommand = a\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    diag_list dl = {0};
    dag *d = dag_load_file(path, NULL, &dl);
    unlink(path);
    assert_non_null(d);
    assert_string_equal(d->id, path + 5); /* basename; no .ini to drop */
    assert_string_equal(d->file, path);
    char *real = realpath("/tmp", NULL);
    assert_string_equal(d->dir, real);
    free(real);
    assert_string_equal(d->timezone, "UTC");
    dag_free(d);

    assert_null(dag_load_file("/nonexistent/x.ini", "UTC", &dl));
    expect_diag(&dl, 0, false, "cannot open");
    diag_free(&dl);
    dag_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_example),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_dag_defaults_any_order),
        cmocka_unit_test(test_topological_order),
        cmocka_unit_test(test_long_chain),
        cmocka_unit_test(test_continuation_lines),
        cmocka_unit_test(test_inline_comment_warning),
        cmocka_unit_test(test_misc_accepted),
        cmocka_unit_test(test_load_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

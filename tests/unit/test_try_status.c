/* A try's status record: fixed-size, at the start of its log (logpath.h),
 * written in place by the shell (exec_local), read back by a restarted
 * agent; the output goes after it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "exec_local.h"
#include "try_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/dagd-try-status.XXXXXX";

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* A claim leaves its descriptor to the caller: 0 once it is closed. */
static int claim(const char *path)
{
    int fd = try_status_claim(path);
    if (fd < 0)
        return -1;
    return close(fd);
}

static void test_records(void **state)
{
    (void)state;
    char *path = NULL;
    assert_true(asprintf(&path, "%s/a/b/1.status", dir) > 0);
    int code = -1;
    assert_int_equal(try_status_read(path, &code), TRY_STATUS_MISSING);
    assert_int_equal(claim(path), 0); /* its folders too */
    assert_int_equal(try_status_read(path, &code), TRY_STATUS_CLAIMED);
    assert_int_equal(file_size(path), TRY_STATUS_RECORD);
    assert_int_equal(try_status_started(path), 0);
    assert_int_equal(try_status_read(path, &code), TRY_STATUS_STARTED);
    assert_int_equal(file_size(path), TRY_STATUS_RECORD);
    assert_int_equal(claim(path), 0); /* a try started again */
    assert_int_equal(try_status_read(path, &code), TRY_STATUS_CLAIMED);
    free(path);
}

/* The record heads the log: a claim again (a try that never started is
 * started again) rewrites it in place and keeps what was logged after it. */
static void test_claim_keeps_the_log(void **state)
{
    (void)state;
    char *path = NULL;
    assert_true(asprintf(&path, "%s/r/t.1.log", dir) > 0);
    assert_int_equal(claim(path), 0);
    FILE *f = fopen(path, "a");
    fputs("[dagd] pulling\n", f);
    fclose(f);
    assert_int_equal(try_status_started(path), 0);
    assert_int_equal(claim(path), 0);
    char *text = slurp(path);
    assert_string_equal(text, "claimed        \n[dagd] pulling\n");
    free(text);
    free(path);
}

static void on_done(void *arg, const exec_result *res)
{
    *(int *)arg = res->exit_code;
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* Until the try is done; then, as the agent ends, whatever the executor
 * keeps open (its pidfd set) is closed and the loop with it. */
static void run_to_end(uv_loop_t *loop)
{
    uv_run(loop, UV_RUN_DEFAULT);
    uv_walk(loop, close_walk, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(loop), 0);
}

/* The spawned child writes "started" before the command runs, the shell
 * "exit N" as it ends, each a whole record in place; the path may hold a
 * quote. */
static void run_shell(const char *log, const char *command, int *exit_code)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char *env[] = {"PATH=/usr/bin:/bin", NULL};
    exec_request req = {
        .command = command,
        .cwd = dir,
        .env = env,
        .log_path = log,
        .log_record = true,
        .done = on_done,
        .arg = exit_code,
    };
    *exit_code = -2;
    exec_local_start(&loop, &req);
    run_to_end(&loop);
}

/* The record is the log's first 16 bytes (as local_task.c starts a try):
 * the output goes after it, byte for byte; the shell rewrites it in place;
 * the exit line is read without it, and a try that printed nothing has no
 * last line (not "started" or "exit 0"). */
static void test_record_heads_the_log(void **state)
{
    (void)state;
    char *log = NULL;
    assert_true(asprintf(&log, "%s/it's/t.2.log", dir) > 0);
    int log_fd = try_status_claim(log); /* the launch writes through it, as local_task.c */
    assert_true(log_fd >= 0);
    uv_loop_t loop;
    uv_loop_init(&loop);
    char *env[] = {"PATH=/usr/bin:/bin", NULL};
    int rc = -2;
    exec_request req = {
        .command = "printf 'a\\nb'; exit 4",
        .cwd = dir,
        .env = env,
        .log_path = log,
        .has_log_fd = true,
        .log_fd = log_fd,
        .log_record = true,
        .done = on_done,
        .arg = &rc,
    };
    exec_local_start(&loop, &req);
    run_to_end(&loop);
    assert_int_equal(rc, 4);
    int code = -1;
    assert_int_equal(try_status_read(log, &code), TRY_STATUS_EXITED);
    assert_int_equal(code, 4);
    char *text = slurp(log);
    assert_string_equal(text, "exit 4         \na\nb" EXEC_EXIT_MARK "4\n");
    free(text);
    char *last = NULL;
    assert_int_equal(exec_read_exit_line(log, TRY_STATUS_RECORD, NULL), 4);

    /* Nothing printed: no last line, whatever the record says. */
    FILE *f = fopen(log, "w");
    fputs("exit 0         \n" EXEC_EXIT_MARK "0\n", f);
    fclose(f);
    assert_int_equal(exec_read_exit_line(log, TRY_STATUS_RECORD, &last), 0);
    assert_null(last);
    f = fopen(log, "w");
    fputs("exit 0         \nchosen\n" EXEC_EXIT_MARK "0\n", f);
    fclose(f);
    assert_int_equal(exec_read_exit_line(log, TRY_STATUS_RECORD, &last), 0);
    assert_string_equal(last, "chosen");
    free(last);
    free(log);
}

static void test_shell_writes_in_place(void **state)
{
    (void)state;
    char *path = NULL;
    assert_true(asprintf(&path, "%s/it's/t.3.log", dir) > 0);
    assert_int_equal(claim(path), 0);
    int rc, code = -1;
    char *cmd = NULL;
    assert_true(asprintf(&cmd, "head -c 16 \"%s\" | grep -qx 'started *' || exit 9; exit 3", path) >
                0);
    run_shell(path, cmd, &rc);
    assert_int_equal(rc, 3); /* the command's own status, not the trap's */
    assert_int_equal(try_status_read(path, &code), TRY_STATUS_EXITED);
    assert_int_equal(code, 3);
    /* The record, then only what was appended: nothing was overwritten. */
    char *text = slurp(path);
    assert_string_equal(text, "exit 3         \n" EXEC_EXIT_MARK "3\n");
    free(text);
    run_shell(path, "echo again", &rc);
    assert_int_equal(try_status_read(path, &code), TRY_STATUS_EXITED);
    assert_int_equal(code, 0);
    text = slurp(path);
    assert_string_equal(text, "exit 0         \n" EXEC_EXIT_MARK "3\nagain\n" EXEC_EXIT_MARK "0\n");
    free(text);
    free(cmd);
    free(path);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_claim_keeps_the_log),
        cmocka_unit_test(test_record_heads_the_log),
        cmocka_unit_test(test_shell_writes_in_place),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char *rm = NULL;
    if (asprintf(&rm, "rm -rf '%s'", dir) > 0 && system(rm) != 0)
        rc = rc ? rc : 1;
    free(rm);
    return rc;
}

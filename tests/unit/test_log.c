/* The agent's log lines: the "dagd: " prefix, priorities under journald
 * (JOURNAL_STREAM naming stderr), one prefix per line, debug only with -v. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char path[] = "/tmp/dagd-test-log.XXXXXX";
static int saved_stderr = -1;

/* Stderr into a temp file; JOURNAL true: JOURNAL_STREAM names it. */
static void capture(bool journal, bool verbose)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    saved_stderr = dup(2);
    dup2(fd, 2);
    close(fd);
    struct stat st;
    fstat(2, &st);
    char v[64];
    snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino + (journal ? 0 : 1));
    setenv("JOURNAL_STREAM", v, 1);
    log_init(verbose);
}

/* What was written since capture; restores stderr. */
static char *captured(void)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    FILE *f = fopen(path, "r");
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    unlink(path);
    strcpy(path + strlen(path) - 6, "XXXXXX");
    unsetenv("JOURNAL_STREAM");
    log_init(false);
    return buf;
}

static void write_all(void)
{
    log_error("store: %s", "disk full");
    log_warn("cannot watch %s", "dags");
    log_info("two\nlines");
    log_debug("loaded DAG %s", "x");
    log_plain(LOG_LEVEL_INFO, "dagd %s: started", "0.1");
    diag_list d = {0};
    diag_add(&d, "a.ini", 2, false, "bad cron");
    diag_add(&d, "a.ini", 5, true, "twice");
    log_diags(&d, true);
    diag_free(&d);
}

static void test_plain(void **state)
{
    (void)state;
    capture(false, false);
    write_all();
    assert_string_equal(captured(), "dagd: store: disk full\n"
                                    "dagd: cannot watch dags\n"
                                    "dagd: two\n"
                                    "dagd: lines\n"
                                    "dagd 0.1: started\n"
                                    "dagd: a.ini:2: bad cron\n"
                                    "dagd: a.ini:5: warning: twice\n");
}

static void test_journal_verbose(void **state)
{
    (void)state;
    capture(true, true);
    write_all();
    assert_string_equal(captured(), "<3>dagd: store: disk full\n"
                                    "<4>dagd: cannot watch dags\n"
                                    "<6>dagd: two\n"
                                    "<6>dagd: lines\n"
                                    "<7>dagd: loaded DAG x\n"
                                    "<6>dagd 0.1: started\n"
                                    "<3>dagd: a.ini:2: bad cron\n"
                                    "<4>dagd: a.ini:5: warning: twice\n");
    assert_false(log_enabled(LOG_LEVEL_DEBUG));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_journal_verbose),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

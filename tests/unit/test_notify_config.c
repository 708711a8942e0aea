/* [notifier NAME] in the agent config: keys, defaults, FILE:LINE errors,
 * url_file rules, and no message that repeats a URL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture {
    char dir[64];
    char file[96];
    config cfg;
    diag_list diags;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/dagd-ncfg-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->file, sizeof f->file, "%s/dagd.ini", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    config_free(&f->cfg);
    diag_free(&f->diags);
    char *cmd = NULL;
    if (asprintf(&cmd, "rm -rf %s", f->dir) > 0 && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(cmd);
    free(f);
    return 0;
}

static int load(fixture *f, const char *text)
{
    FILE *out = fopen(f->file, "w");
    fputs(text, out);
    fclose(out);
    return config_load(&f->cfg, f->file, &f->diags);
}

/* Every message joined, for searching. */
static char *messages(fixture *f)
{
    size_t cap = 1;
    for (size_t i = 0; i < f->diags.n; i++)
        cap += strlen(f->diags.items[i].message) + 32;
    char *s = calloc(1, cap);
    for (size_t i = 0; i < f->diags.n; i++) {
        char line[32];
        snprintf(line, sizeof line, "%d%s: ", f->diags.items[i].line,
                 f->diags.items[i].warning ? "w" : "");
        strcat(s, line);
        strcat(s, f->diags.items[i].message);
        strcat(s, "\n");
    }
    return s;
}

static void test_full_notifier(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "[notifier ops]\n"
                             "type = webhook\n"
                             "url = https://example.com/hook/SECRET\n"
                             "on = failure success\n"
                             "timeout = 5s\n"
                             "retries = 7\n"
                             "[notifier chat]\n"
                             "type = slack\n"
                             "url = http://127.0.0.1:1/x\n"),
                     0);
    assert_int_equal(f->cfg.n_notifiers, 2);
    const notifier_config *n = config_notifier(&f->cfg, "ops");
    assert_non_null(n);
    assert_int_equal(n->type, NOTIFIER_WEBHOOK);
    assert_string_equal(n->url, "https://example.com/hook/SECRET");
    assert_int_equal(n->on, NOTIFY_FAILURE | NOTIFY_SUCCESS);
    assert_int_equal(n->timeout_us, 5000000);
    assert_int_equal(n->retries, 7);
    n = config_notifier(&f->cfg, "chat");
    assert_int_equal(n->type, NOTIFIER_SLACK);
    assert_int_equal(n->on, NOTIFY_DEFAULT_ON);
    assert_int_equal(n->retries, NOTIFY_DEFAULT_RETRIES);
    assert_int_equal(n->timeout_us, NOTIFY_DEFAULT_TIMEOUT_US);
    assert_null(config_notifier(&f->cfg, "nope"));
}

static void test_errors_name_lines_not_secrets(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "[notifier a]\n"            /* 1 */
                             "type = email\n"            /* 2 */
                             "url = ftp://host/SECRET\n" /* 3 */
                             "on = failure explode\n"    /* 4 */
                             "timeout = 0s\n"            /* 5 */
                             "retries = many\n"          /* 6 */
                             "colour = red\n"            /* 7 */
                             "[notifier b]\n"            /* 8 */
                             "on = failure\n"            /* 9 */
                             "[notifier c]\n"            /* 10 */
                             "type = slack\n"            /* 11 */
                             "url = https://h/SECRET\n"  /* 12 */
                             "url_file = c.url\n"),      /* 13 */
                     -1);
    char *m = messages(f);
    assert_null(strstr(m, "SECRET"));
    assert_non_null(strstr(m, "2: type: expected slack or webhook"));
    assert_non_null(strstr(m, "3: url: expected an http"));
    assert_non_null(strstr(m, "4: on: unknown event \"explode\""));
    assert_non_null(strstr(m, "5: timeout:"));
    assert_non_null(strstr(m, "6: retries:"));
    assert_non_null(strstr(m, "7: unknown key \"colour\""));
    assert_non_null(strstr(m, "9: [notifier b] needs type"));
    assert_non_null(strstr(m, "9: [notifier b] needs url or url_file"));
    assert_non_null(strstr(m, "13: [notifier c] has both url and url_file"));
    free(m);
}

static void test_url_file_read_and_refused(void **state)
{
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/ok.url", f->dir);
    FILE *out = fopen(path, "w");
    fputs("https://hooks.example.com/T/SECRET\n", out);
    fclose(out);
    chmod(path, 0600);
    snprintf(path, sizeof path, "%s/open.url", f->dir);
    out = fopen(path, "w");
    fputs("https://hooks.example.com/T/SECRET\n", out);
    fclose(out);
    chmod(path, 0644);
    assert_int_equal(load(f, "[notifier good]\n"
                             "type = slack\n"
                             "url_file = ok.url\n"
                             "[notifier open]\n"
                             "type = slack\n"
                             "url_file = open.url\n"),
                     0); /* a refused file is a warning */
    assert_string_equal(config_notifier(&f->cfg, "good")->url,
                        "https://hooks.example.com/T/SECRET");
    assert_null(config_notifier(&f->cfg, "open")->url);
    char *m = messages(f);
    assert_non_null(strstr(m, "6w: url_file:"));
    assert_non_null(strstr(m, "readable by others"));
    assert_null(strstr(m, "SECRET"));
    free(m);
}

static void test_missing_url_file_is_an_error(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "[notifier gone]\n"
                             "type = webhook\n"
                             "url_file = /nonexistent/dagd.url\n"),
                     -1);
    char *m = messages(f);
    assert_non_null(strstr(m, "3: url_file: cannot read /nonexistent/dagd.url"));
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_notifier, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_name_lines_not_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_file_read_and_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_url_file_is_an_error, setup, teardown),
    };
    return cmocka_run_group_tests_name("notify_config", tests, NULL, NULL);
}

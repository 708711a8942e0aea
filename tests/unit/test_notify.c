/* What notifiers send and when they try again: payloads, Slack text, log
 * tails, the back-off schedule, which answers are retried, redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "notify_config.h"
#include "notify_payload.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const notify_msg failure = {
    .event = "failure",
    .dag_id = "etl_orders",
    .run_id = "scheduled__2026-11-22T03:00:00+09:00",
    .task_id = "load",
    .try_number = 3,
    .state = "failed",
    .logical_date = "2026-11-22T03:00:00+09:00",
    .log_tail = "loading 3 rows\nERROR: relation \"orders\" does not exist",
    .host = "vm1",
};

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    assert_non_null(j);
    return j;
}

static const char *field(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void test_webhook_has_every_field(void **state)
{
    (void)state;
    char *body = notify_webhook_body(&failure);
    json_t *o = parse(body);
    const char *keys[] = {"event", "dag_id",       "run_id",   "task_id", "try_number",
                          "state", "logical_date", "log_tail", "host"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        assert_non_null(json_object_get(o, keys[i]));
    assert_int_equal(json_object_size(o), 9);
    assert_string_equal(field(o, "event"), "failure");
    assert_string_equal(field(o, "task_id"), "load");
    assert_int_equal(json_integer_value(json_object_get(o, "try_number")), 3);
    assert_string_equal(field(o, "logical_date"), "2026-11-22T03:00:00+09:00");
    assert_non_null(strstr(field(o, "log_tail"), "does not exist"));
    json_decref(o);
    free(body);
}

static void test_webhook_run_level_nulls(void **state)
{
    (void)state;
    notify_msg m = {
        .event = "success", .dag_id = "d", .run_id = "r", .state = "success", .host = "h"};
    char *body = notify_webhook_body(&m);
    json_t *o = parse(body);
    assert_true(json_is_null(json_object_get(o, "task_id")));
    assert_true(json_is_null(json_object_get(o, "try_number")));
    assert_true(json_is_null(json_object_get(o, "log_tail")));
    assert_true(json_is_null(json_object_get(o, "logical_date")));
    assert_null(json_object_get(o, "sla_s"));
    json_decref(o);
    free(body);
}

static void test_webhook_sla(void **state)
{
    (void)state;
    notify_msg m = {
        .event = "sla_miss", .dag_id = "d", .run_id = "r", .state = "running", .sla_s = 7200};
    char *body = notify_webhook_body(&m);
    json_t *o = parse(body);
    assert_int_equal(json_integer_value(json_object_get(o, "sla_s")), 7200);
    json_decref(o);
    free(body);
}

static void test_slack_names_everything(void **state)
{
    (void)state;
    char *body = notify_slack_body(&failure);
    json_t *o = parse(body);
    assert_int_equal(json_object_size(o), 1);
    const char *text = field(o, "text");
    assert_non_null(text);
    const char *must[] = {"failure",       "etl_orders", "load", "2026-11-22T03:00:00+09:00",
                          "try 3",         "failed",     "vm1",  "scheduled__2026-11-22",
                          "does not exist"};
    for (size_t i = 0; i < sizeof must / sizeof *must; i++)
        assert_non_null(strstr(text, must[i]));
    json_decref(o);
    free(body);
}

static void test_slack_escapes(void **state)
{
    (void)state;
    notify_msg m = failure;
    m.log_tail = "a < b && c > d ```x```";
    char *text = notify_slack_text(&m);
    assert_non_null(strstr(text, "a &lt; b &amp;&amp; c &gt; d"));
    /* The log's backticks cannot close the code block. */
    const char *block = strstr(text, "```\n");
    assert_non_null(block);
    assert_null(strstr(block + 4, "```x"));
    free(text);
}

static void test_tail_last_lines(void **state)
{
    (void)state;
    const char buf[] = "1\n2\n3\n4\n5\n";
    char *t = notify_tail_of(buf, sizeof buf - 1, 2, false);
    assert_string_equal(t, "4\n5");
    free(t);
    t = notify_tail_of(buf, sizeof buf - 1, 10, false);
    assert_string_equal(t, "1\n2\n3\n4\n5");
    free(t);
    /* Cut by the byte limit: the partial first line goes. */
    t = notify_tail_of("rtial\nwhole\n", 12, 10, true);
    assert_string_equal(t, "whole");
    free(t);
}

static void test_tail_makes_utf8(void **state)
{
    (void)state;
    const char buf[] = "ok \xc3\xa9 bad \xff\xfe cut \xe2\x82";
    char *t = notify_tail_of(buf, sizeof buf - 1, 5, false);
    json_t *j = json_string(t); /* jansson refuses invalid UTF-8 */
    assert_non_null(j);
    assert_non_null(strstr(t, "\xc3\xa9"));
    assert_non_null(strstr(t, "\xef\xbf\xbd"));
    json_decref(j);
    free(t);
    const char nul[] = {'a', 0, 'b'};
    t = notify_tail_of(nul, 3, 5, false);
    assert_string_equal(t, "a\xef\xbf\xbd"
                           "b");
    free(t);
}

static void test_log_tail_file(void **state)
{
    (void)state;
    char path[] = "/tmp/dagd-tail-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    for (int i = 0; i < 1000; i++)
        fprintf(f, "line %d\n", i);
    fclose(f);
    char *t = notify_log_tail(path, 0, 3, 4096);
    assert_string_equal(t, "line 997\nline 998\nline 999");
    free(t);
    t = notify_log_tail(path, 0, 1000, 100);
    assert_true(strlen(t) <= 100);
    assert_true(strncmp(t, "line ", 5) == 0); /* starts at a whole line */
    free(t);
    unlink(path);
    assert_null(notify_log_tail(path, 0, 3, 4096));
}

/* A try's log starts with its status record (logpath.h): never in a tail. */
static void test_log_tail_skips_the_record(void **state)
{
    (void)state;
    char path[] = "/tmp/dagd-tail-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("exit 0         \nonly\n", f);
    fclose(f);
    char *t = notify_log_tail(path, 16, 3, 4096);
    assert_string_equal(t, "only");
    free(t);
    /* Nothing after the record: no tail at all. */
    assert_int_equal(truncate(path, 16), 0);
    assert_null(notify_log_tail(path, 16, 3, 4096));
    unlink(path);
}

static void test_backoff_schedule(void **state)
{
    (void)state;
    assert_int_equal(notify_backoff_ms(1), 1000);
    assert_int_equal(notify_backoff_ms(2), 2000);
    assert_int_equal(notify_backoff_ms(3), 4000);
    assert_int_equal(notify_backoff_ms(4), 8000);
    assert_int_equal(notify_backoff_ms(9), 256000);
    assert_int_equal(notify_backoff_ms(10), NOTIFY_BACKOFF_MAX_MS);
    assert_int_equal(notify_backoff_ms(1000), NOTIFY_BACKOFF_MAX_MS);
}

static void test_retryable(void **state)
{
    (void)state;
    assert_true(notify_status_retryable(0));
    assert_true(notify_status_retryable(500));
    assert_true(notify_status_retryable(503));
    assert_true(notify_status_retryable(429));
    assert_true(notify_status_retryable(408));
    assert_false(notify_status_retryable(400));
    assert_false(notify_status_retryable(403));
    assert_false(notify_status_retryable(404));
}

static void test_redact(void **state)
{
    (void)state;
    const char *url = "https://user:pw@hooks.example.com/services/T0/B0/SECRET?x=1";
    char *r = notify_redact("failed for https://user:pw@hooks.example.com/services/T0/B0/SECRET?x=1"
                            " and /services/T0/B0/SECRET?x=1 and user:pw",
                            url);
    assert_null(strstr(r, "SECRET"));
    assert_null(strstr(r, "pw"));
    assert_non_null(strstr(r, "<url>"));
    free(r);
    r = notify_redact("Failed to connect to 127.0.0.1 port 9", "http://127.0.0.1:9/");
    assert_string_equal(r, "Failed to connect to 127.0.0.1 port 9");
    free(r);
}

static void test_events_parse(void **state)
{
    (void)state;
    unsigned bits = 0;
    char err[128];
    assert_int_equal(notify_events_parse("failure retry, sla_miss", &bits, err, sizeof err), 0);
    assert_int_equal(bits, NOTIFY_FAILURE | NOTIFY_RETRY | NOTIFY_SLA_MISS);
    assert_int_equal(notify_events_parse("failure oops", &bits, err, sizeof err), -1);
    assert_non_null(strstr(err, "oops"));
    assert_int_equal(notify_events_parse("  ", &bits, err, sizeof err), -1);
    enum notifier_type t;
    assert_int_equal(notifier_type_parse("slack", &t), 0);
    assert_int_equal(t, NOTIFIER_SLACK);
    assert_int_equal(notifier_type_parse("email", &t), -1);
}

static void test_url_valid(void **state)
{
    (void)state;
    assert_true(notify_url_valid("https://hooks.slack.com/services/T/B/X"));
    assert_true(notify_url_valid("http://127.0.0.1:8080/hook"));
    assert_false(notify_url_valid("ftp://host/x"));
    assert_false(notify_url_valid("https://"));
    assert_false(notify_url_valid("https:///path"));
    assert_false(notify_url_valid("http://host/a b"));
    assert_false(notify_url_valid("hooks.slack.com/x"));
}

static char *write_temp(const char *text, mode_t mode)
{
    char *path = strdup("/tmp/dagd-url-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    fchmod(fd, mode);
    close(fd);
    return path;
}

static void test_url_file(void **state)
{
    (void)state;
    char err[512];
    bool refused;
    char *path = write_temp("\n  https://hooks.example.com/T/SECRET  \nsecond\n", 0600);
    char *url = notify_url_read(path, &refused, err, sizeof err);
    assert_string_equal(url, "https://hooks.example.com/T/SECRET");
    free(url);
    chmod(path, 0644);
    assert_null(notify_url_read(path, &refused, err, sizeof err));
    assert_true(refused);
    assert_non_null(strstr(err, "readable by others"));
    assert_null(strstr(err, "SECRET"));
    unlink(path);
    free(path);

    path = write_temp("not a url SECRET\n", 0600);
    assert_null(notify_url_read(path, &refused, err, sizeof err));
    assert_false(refused);
    assert_null(strstr(err, "SECRET"));
    unlink(path);
    free(path);

    path = write_temp("\n\n", 0600);
    assert_null(notify_url_read(path, &refused, err, sizeof err));
    assert_non_null(strstr(err, "empty"));
    unlink(path);
    assert_null(notify_url_read(path, &refused, err, sizeof err));
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_webhook_has_every_field),
        cmocka_unit_test(test_webhook_run_level_nulls),
        cmocka_unit_test(test_webhook_sla),
        cmocka_unit_test(test_slack_names_everything),
        cmocka_unit_test(test_slack_escapes),
        cmocka_unit_test(test_tail_last_lines),
        cmocka_unit_test(test_tail_makes_utf8),
        cmocka_unit_test(test_log_tail_file),
        cmocka_unit_test(test_log_tail_skips_the_record),
        cmocka_unit_test(test_backoff_schedule),
        cmocka_unit_test(test_retryable),
        cmocka_unit_test(test_redact),
        cmocka_unit_test(test_events_parse),
        cmocka_unit_test(test_url_valid),
        cmocka_unit_test(test_url_file),
    };
    return cmocka_run_group_tests_name("notify", tests, NULL, NULL);
}

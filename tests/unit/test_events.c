/* Events: typed values to subscribers in the order they subscribed, held
 * until the commit and dropped when it fails; JSON made by a subscriber,
 * safe for text that is not UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "event_json.h"
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One DAG "d" (tasks "a" and "b", UTC, an SLA) with one run "r1". */
typedef struct fixture {
    agent ag;
    dag model;
    dag_task tasks[2];
    dag_entry de;
    ti tis[2];
    char run_id[32];
    run r;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->tasks[0].id = "a";
    f->tasks[1].id = "b";
    f->tasks[1].sla_us = 90 * 1000000LL;
    f->model.id = "d";
    f->model.timezone = "UTC";
    f->model.tasks = f->tasks;
    f->model.n_tasks = 2;
    f->model.sla_us = 3600 * 1000000LL;
    f->de.dag_id = "d";
    f->de.file = "/dags/d.ini";
    f->de.model = &f->model;
    strcpy(f->run_id, "r1");
    f->r.de = &f->de;
    f->r.model = f->de.model;
    f->r.run_id = f->run_id;
    f->r.tis = f->tis;
    f->r.n_tis = 2;
    f->r.state = RUN_RUNNING;
    f->r.logical_us = 1700000000LL * 1000000; /* 2023-11-14T22:13:20Z */
    f->r.due_us = f->r.logical_us + 60 * 1000000LL;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    events_free(&f->ag);
    free(f);
    return 0;
}

/* What a subscriber saw: one line per event, "NAME:kind:task:state". */
typedef struct seen {
    char text[1024];
    int n;
    struct event last; /* strings not kept */
} seen;

typedef struct sub {
    const char *name;
    seen *log;
} sub;

static const char *kind_name(enum event_kind k)
{
    static const char *names[] = {"task", "run", "dag", "sla_miss"};
    return names[k];
}

static void record(void *arg, const struct event *ev)
{
    sub *s = arg;
    seen *l = s->log;
    size_t used = strlen(l->text);
    snprintf(l->text + used, sizeof l->text - used, "%s%s:%s:%s:%s", used ? " " : "", s->name,
             kind_name(ev->kind), ev->task_id ? ev->task_id : "-", event_state_name(ev));
    l->n++;
    l->last = *ev;
}

static void test_subscribe_order(void **state)
{
    fixture *f = *state;
    seen log = {0};
    sub a = {"A", &log}, b = {"B", &log}, c = {"C", &log};
    events_subscribe(&f->ag, record, &b);
    events_subscribe(&f->ag, record, &a);
    events_subscribe(&f->ag, record, &c);
    events_run(&f->ag, &f->r);
    f->r.state = RUN_SUCCESS;
    events_run(&f->ag, &f->r);
    assert_string_equal(log.text, "B:run:-:running A:run:-:running C:run:-:running "
                                  "B:run:-:success A:run:-:success C:run:-:success");
}

/* Held events go out at the last release, in order, with the values they
 * had when emitted: the run may change or go before the commit. */
static void test_hold_release(void **state)
{
    fixture *f = *state;
    seen log = {0};
    sub a = {"A", &log};
    events_subscribe(&f->ag, record, &a);
    events_hold(&f->ag);
    f->tis[0].state = TI_QUEUED;
    events_task(&f->ag, &f->r, 0);
    events_hold(&f->ag); /* nested, as batches are */
    f->tis[0].state = TI_RUNNING;
    f->tis[0].try_number = 1;
    events_task(&f->ag, &f->r, 0);
    events_release(&f->ag);
    assert_int_equal(log.n, 0); /* the outer batch has not committed */
    f->r.state = RUN_FAILED;
    events_run(&f->ag, &f->r);
    strcpy(f->run_id, "gone"); /* the run's memory is reused */
    f->tis[0].state = TI_FAILED;
    assert_int_equal(log.n, 0);
    events_release(&f->ag);
    assert_int_equal(log.n, 3);
    assert_string_equal(log.text, "A:task:a:queued A:task:a:running A:run:-:failed");
    /* Released: the next one goes at once. */
    events_task(&f->ag, &f->r, 0);
    assert_int_equal(log.n, 4);
    assert_string_equal(log.last.run_id, "gone");
}

static void copy_run_id(void *arg, const struct event *ev)
{
    snprintf(arg, 32, "%s", ev->run_id);
}

static void test_held_strings_are_copies(void **state)
{
    fixture *f = *state;
    char got[32] = "";
    events_subscribe(&f->ag, copy_run_id, got);
    events_hold(&f->ag);
    events_task(&f->ag, &f->r, 1);
    strcpy(f->run_id, "xx"); /* overwritten before the commit */
    events_release(&f->ag);
    assert_string_equal(got, "r1");
}

/* A batch that did not commit announces nothing; the hold count is the
 * caller's (the runner releases after discarding). */
static void test_discard(void **state)
{
    fixture *f = *state;
    seen log = {0};
    sub a = {"A", &log};
    events_subscribe(&f->ag, record, &a);
    events_hold(&f->ag);
    events_task(&f->ag, &f->r, 0);
    events_run(&f->ag, &f->r);
    events_discard_held(&f->ag);
    events_release(&f->ag);
    assert_int_equal(log.n, 0);
    events_run(&f->ag, &f->r);
    assert_int_equal(log.n, 1);
    assert_string_equal(log.text, "A:run:-:running");
}

/* A subscriber that checks every field while the event is live. */
static void check_fields(void *arg, const struct event *ev)
{
    int *calls = arg;
    switch ((*calls)++) {
    case 0:
        assert_int_equal(ev->kind, EVENT_TASK);
        assert_string_equal(ev->dag_id, "d");
        assert_string_equal(ev->run_id, "r1");
        assert_string_equal(ev->task_id, "b");
        assert_int_equal(ev->ti_state, TI_UP_FOR_RETRY);
        assert_int_equal(ev->try_number, 2);
        assert_int_equal(ev->logical_us, 1700000000LL * 1000000);
        assert_string_equal(ev->timezone, "UTC");
        break;
    case 1:
        assert_int_equal(ev->kind, EVENT_RUN);
        assert_null(ev->task_id);
        assert_int_equal(ev->run_state, RUN_RUNNING);
        assert_int_equal(ev->try_number, 0);
        assert_string_equal(event_state_name(ev), "running");
        break;
    case 2:
        assert_int_equal(ev->kind, EVENT_DAG);
        assert_int_equal(ev->what, DAG_PAUSED);
        assert_true(ev->paused);
        assert_string_equal(ev->file, "/dags/d.ini");
        assert_null(ev->error);
        assert_null(ev->run_id);
        break;
    case 3:
        assert_int_equal(ev->kind, EVENT_SLA_MISS);
        assert_string_equal(ev->task_id, "b");
        assert_int_equal(ev->sla_us, 90 * 1000000LL);
        assert_int_equal(ev->due_us, 1700000060LL * 1000000);
        assert_int_equal(ev->try_number, 2);
        assert_string_equal(event_state_name(ev), "up_for_retry");
        break;
    case 4:
        assert_int_equal(ev->kind, EVENT_SLA_MISS);
        assert_null(ev->task_id);
        assert_int_equal(ev->sla_us, 3600 * 1000000LL);
        assert_string_equal(event_state_name(ev), "running");
        break;
    default:
        fail_msg("one event too many");
    }
}

static void test_typed_fields(void **state)
{
    fixture *f = *state;
    int calls = 0;
    events_subscribe(&f->ag, check_fields, &calls);
    f->tis[1].state = TI_UP_FOR_RETRY;
    f->tis[1].try_number = 2;
    events_hold(&f->ag); /* the copies carry the same values */
    events_task(&f->ag, &f->r, 1);
    events_run(&f->ag, &f->r);
    f->de.paused = true;
    events_dag(&f->ag, &f->de, "paused");
    events_release(&f->ag);
    events_sla_miss(&f->ag, &f->r, 1);
    events_sla_miss(&f->ag, &f->r, -1);
    assert_int_equal(calls, 5);
}

/* Like the server's subscriber: one JSON line per event. */
typedef struct lines {
    char *text[8];
    int n;
} lines;

static void to_json(void *arg, const struct event *ev)
{
    lines *l = arg;
    json_t *o = event_json(ev);
    assert_non_null(o);
    l->text[l->n++] = json_dumps(o, JSON_COMPACT);
    json_decref(o);
}

static void test_json(void **state)
{
    fixture *f = *state;
    lines l = {0};
    events_subscribe(&f->ag, to_json, &l);
    f->tis[0].state = TI_FAILED;
    f->tis[0].try_number = 2;
    events_task(&f->ag, &f->r, 0);
    events_run(&f->ag, &f->r);
    events_dag(&f->ag, &f->de, "reloaded");
    events_sla_miss(&f->ag, &f->r, 0);
    events_sla_miss(&f->ag, &f->r, -1);
    assert_int_equal(l.n, 5);
    /* The protocol's objects, keys in the order they have always had. */
    assert_string_equal(l.text[0], "{\"event\":\"task\",\"dag_id\":\"d\",\"run_id\":\"r1\","
                                   "\"task_id\":\"a\",\"state\":\"failed\",\"try_number\":2}");
    assert_string_equal(l.text[1], "{\"event\":\"run\",\"dag_id\":\"d\",\"run_id\":\"r1\","
                                   "\"state\":\"running\","
                                   "\"logical_date\":\"2023-11-14T22:13:20+00:00\"}");
    assert_string_equal(l.text[2], "{\"event\":\"dag\",\"what\":\"reloaded\",\"dag_id\":\"d\","
                                   "\"paused\":false,\"file\":\"/dags/d.ini\",\"error\":null}");
    assert_string_equal(l.text[3], "{\"event\":\"sla_miss\",\"dag_id\":\"d\",\"run_id\":\"r1\","
                                   "\"task_id\":\"a\",\"state\":\"failed\","
                                   "\"logical_date\":\"2023-11-14T22:13:20+00:00\",\"sla_s\":0,"
                                   "\"due\":\"2023-11-14T22:14:20+00:00\",\"try_number\":2}");
    assert_string_equal(l.text[4], "{\"event\":\"sla_miss\",\"dag_id\":\"d\",\"run_id\":\"r1\","
                                   "\"task_id\":null,\"state\":\"running\","
                                   "\"logical_date\":\"2023-11-14T22:13:20+00:00\",\"sla_s\":3600,"
                                   "\"due\":\"2023-11-14T22:14:20+00:00\"}");
    for (int i = 0; i < l.n; i++)
        free(l.text[i]);
}

/* Text from the file system or a DAG file may be any bytes: the line is
 * still made, with each bad byte as \xNN, and every other subscriber gets
 * the event as it was. */
static void test_json_invalid_utf8(void **state)
{
    fixture *f = *state;
    lines l = {0};
    seen log = {0};
    sub a = {"A", &log};
    events_subscribe(&f->ag, to_json, &l);
    events_subscribe(&f->ag, record, &a);
    f->de.file = "/dags/caf\xe9.ini";
    f->de.error = "line 3: \xff\xfe is not a key";
    strcpy(f->run_id, "manual_\xc3");
    events_hold(&f->ag);
    events_dag(&f->ag, &f->de, "error");
    events_run(&f->ag, &f->r);
    events_release(&f->ag);
    assert_int_equal(l.n, 2);
    assert_int_equal(log.n, 2);
    assert_string_equal(l.text[0], "{\"event\":\"dag\",\"what\":\"error\",\"dag_id\":\"d\","
                                   "\"paused\":false,\"file\":\"/dags/caf\\\\xe9.ini\","
                                   "\"error\":\"line 3: \\\\xff\\\\xfe is not a key\"}");
    assert_non_null(strstr(l.text[1], "\"run_id\":\"manual_\\\\xc3\""));
    for (int i = 0; i < l.n; i++) {
        json_error_t err;
        json_t *back = json_loads(l.text[i], 0, &err); /* valid JSON, valid UTF-8 */
        assert_non_null(back);
        json_decref(back);
        free(l.text[i]);
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(dag_change_name(DAG_ADDED), "added");
    assert_string_equal(dag_change_name(DAG_UNPAUSED), "unpaused");
    assert_string_equal(dag_change_name(DAG_REMOVED), "removed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_subscribe_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hold_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_strings_are_copies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_invalid_utf8, setup, teardown),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The agent config table: every key is parsed (a file that sets each one
 * reads back its value), printed by --print-config, and documented in
 * README.md; the print reads back to the same print; secrets show as ***. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"
#include "config_key.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A value for every key (none its default) and how the print shows it;
 * "@" stands for the test's folder. A key of the table missing here fails
 * the test, so a new key needs a row. */
static const struct sample {
    const char *section, *key, *value, *printed;
} samples[] = {
    {"agent", "state_dir", "st", "@/st"},
    {"agent", "dags_dir", "dg", "@/dg"},
    {"agent", "socket", "/tmp/x.sock", "/tmp/x.sock"},
    {"agent", "parallelism", "7", "7"},
    {"agent", "timezone", "Asia/Tokyo", "Asia/Tokyo"},
    {"agent", "memory_budget", "1G", "1073741824"},
    {"agent", "cpu_budget", "1.5", "1.5"},
    {"agent", "keep_days", "5", "5"},
    {"agent", "metrics_file", "m.prom", "@/m.prom"},
    {"access", "socket_mode", "0600", "0600"},
    {"access", "socket_group", "staff", "staff"},
    {"access", "operators", "alice @ops", "alice @ops"},
    {"access", "max_clients_per_user", "9", "9"},
    {"docker", "host", "tcp://127.0.0.1:2375", "tcp://127.0.0.1:2375"},
    {"swarm", "host", "tcp://127.0.0.1:2376", "tcp://127.0.0.1:2376"},
    {"pool", "slots", "4", "4"},
    {"notifier", "type", "webhook", "webhook"},
    {"notifier", "url", "https://hooks.example/SECRET42", "***"},
    {"notifier", "url_file", "n.url", "@/n.url"},
    {"notifier", "on", "retry success", "retry success"},
    {"notifier", "timeout", "90s", "1m30s"},
    {"notifier", "retries", "5", "5"},
};
#define N_SAMPLES (sizeof samples / sizeof *samples)

typedef struct fixture {
    char dir[PATH_MAX];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char tmpl[] = "/tmp/dagd-cfgtab-XXXXXX";
    if (!mkdtemp(tmpl) || !realpath(tmpl, f->dir))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return 0;
}

static const struct sample *sample_of(const char *section, const char *key)
{
    for (size_t i = 0; i < N_SAMPLES; i++)
        if (strcmp(samples[i].section, section) == 0 && strcmp(samples[i].key, key) == 0)
            return &samples[i];
    return NULL;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
    chmod(path, mode);
}

/* A config setting every key. url and url_file exclude each other: the
 * notifier "a" takes url, "b" url_file, each with every other key. */
static void write_every_key(const fixture *f, const char *path)
{
    char url_file[PATH_MAX + 8];
    snprintf(url_file, sizeof url_file, "%s/n.url", f->dir);
    write_file(url_file, "https://hooks.example/FROMFILE\n", 0600);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    const char *last = "";
    for (size_t i = 0; i < N_SAMPLES; i++) {
        const struct sample *s = &samples[i];
        if (strcmp(s->section, "notifier") == 0)
            continue;
        if (strcmp(s->section, last) != 0)
            fprintf(out, "[%s%s]\n", s->section, strcmp(s->section, "pool") == 0 ? " p" : "");
        last = s->section;
        fprintf(out, "%s = %s\n", s->key, s->value);
    }
    for (int n = 0; n < 2; n++) {
        fprintf(out, "[notifier %s]\n", n ? "b" : "a");
        for (size_t i = 0; i < N_SAMPLES; i++) {
            const struct sample *s = &samples[i];
            if (strcmp(s->section, "notifier") != 0 || strcmp(s->key, n ? "url" : "url_file") == 0)
                continue;
            fprintf(out, "%s = %s\n", s->key, s->value);
        }
    }
    fclose(out);
}

static char *print_of(const config *cfg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    config_print(cfg, out);
    fclose(out);
    return buf;
}

/* Does TEXT hold the line "KEY = VALUE" ("@" replaced by DIR) within
 * the section that starts with HEADER? */
static bool printed_in(const char *text, const char *header, const char *key, const char *value,
                       const char *dir)
{
    const char *sec = strstr(text, header);
    if (!sec)
        return false;
    const char *end = strstr(sec + 1, "\n[");
    char line[PATH_MAX + 256];
    snprintf(line, sizeof line, "\n%s = %s%s\n", key, value[0] == '@' ? dir : "",
             value + (value[0] == '@'));
    const char *at = strstr(sec, line);
    return at && (!end || at < end);
}

static void test_every_key_parsed_and_printed(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/dagd.ini", f->dir);
    write_every_key(f, path);
    config cfg;
    diag_list diags = {0};
    int rc = config_load(&cfg, path, &diags);
    diag_print(&diags, stderr);
    assert_int_equal(rc, 0);
    assert_int_equal(diags.n, 0);
    char *text = print_of(&cfg);
    assert_null(strstr(text, "SECRET42"));
    assert_null(strstr(text, "FROMFILE"));

    const char *section, *key;
    unsigned flags;
    size_t n = 0;
    for (size_t i = 0; config_key_at(i, &section, &key, &flags); i++, n++) {
        const struct sample *s = sample_of(section, key);
        if (!s)
            fail_msg("config key [%s] %s has no sample in this test", section, key);
        if (flags & CF_SECRET)
            assert_string_equal(s->printed, "***");
        char header[64];
        if (strcmp(section, "pool") == 0)
            snprintf(header, sizeof header, "[pool p]");
        else if (strcmp(section, "notifier") == 0)
            snprintf(header, sizeof header, "[notifier %s]", strcmp(key, "url_file") ? "a" : "b");
        else
            snprintf(header, sizeof header, "[%s]", section);
        if (!printed_in(text, header, key, s->printed, f->dir))
            fail_msg("[%s] %s = %s is not in the print:\n%s", section, key, s->printed, text);
    }
    assert_int_equal(n, N_SAMPLES);
    free(text);
    config_free(&cfg);
    diag_free(&diags);
}

/* The print is a config: read back, it prints the same (but the first
 * line, which names the file). Secrets aside: url_file round-trips. */
static void test_print_reads_back(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX + 16], again[PATH_MAX + 16], url[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/a.ini", f->dir);
    snprintf(again, sizeof again, "%s/b.ini", f->dir);
    snprintf(url, sizeof url, "%s/ops.url", f->dir);
    write_file(url, "https://hooks.example/FROMFILE\n", 0600);
    write_file(path,
               "[agent]\nparallelism = 3\nmemory_budget = 64M\n[pool db]\nslots = 2\n"
               "[notifier ops]\ntype = slack\nurl_file = ops.url\non = failure retry\n",
               0644);
    config a, b;
    diag_list diags = {0};
    assert_int_equal(config_load(&a, path, &diags), 0);
    char *first = print_of(&a);
    FILE *out = fopen(again, "w");
    fputs(first, out);
    fclose(out);
    assert_int_equal(config_load(&b, again, &diags), 0);
    assert_int_equal(diags.n, 0);
    char *second = print_of(&b);
    assert_string_equal(strchr(first, '\n'), strchr(second, '\n'));
    free(first);
    free(second);
    config_free(&a);
    config_free(&b);
    diag_free(&diags);
}

/* A file of the repository (README.md, man/dagd.ini.5): from the root, or
 * up from build/MODE/tests/. */
static FILE *open_doc(const char *name)
{
    FILE *in = fopen(name, "r");
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 32);
    for (int up = 0; !in && n > 0 && up < 4; up++) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (!slash)
            break;
        n = slash - exe;
        snprintf(slash, sizeof exe - (size_t)(slash - exe), "/%s", name);
        in = fopen(exe, "r");
    }
    return in;
}

static char *read_doc(const char *name)
{
    FILE *in = open_doc(name);
    assert_non_null(in);
    char *text = NULL;
    size_t cap = 0;
    ssize_t len = getdelim(&text, &cap, '\0', in);
    fclose(in);
    assert_true(len > 0);
    return text;
}

/* README's "Config keys" table names each key as `[section] key` (named
 * sections as `[pool NAME] slots`); a key README leaves to the reference
 * is at least in dagd.ini(5) (test_man.sh checks that page has every key). */
static void test_every_key_documented(void **state)
{
    (void)state;
    char *readme = read_doc("README.md");
    char *man = read_doc("man/dagd.ini.5");
    const char *section, *key;
    unsigned flags;
    for (size_t i = 0; config_key_at(i, &section, &key, &flags); i++) {
        char want[128];
        bool named = strcmp(section, "pool") == 0 || strcmp(section, "notifier") == 0;
        snprintf(want, sizeof want, "`[%s%s] %s`", section, named ? " NAME" : "", key);
        char man_key[128];
        snprintf(man_key, sizeof man_key, "\n.B %s\n", key);
        if (!strstr(readme, want) && !strstr(man, man_key))
            fail_msg("neither README.md nor man/dagd.ini.5 documents %s", want);
    }
    free(readme);
    free(man);
}

/* A reload keeps the running value of restart-only keys and names them. */
static void test_reload_keeps_restart_only(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/r.ini", f->dir);
    write_file(path, "[agent]\nstate_dir = one\nparallelism = 2\n", 0644);
    config running, next;
    diag_list diags = {0};
    assert_int_equal(config_load(&running, path, &diags), 0);
    write_file(path, "[agent]\nstate_dir = two\nparallelism = 5\n[docker]\nhost = tcp://h:1\n",
               0644);
    assert_int_equal(config_load(&next, path, &diags), 0);
    strlist changed = {0};
    config_keep_restart_only(&next, &running, &changed);
    assert_non_null(strstr(next.state_dir, "/one"));
    assert_string_equal(next.docker_host, "unix:///var/run/docker.sock");
    assert_int_equal(next.parallelism, 5);
    assert_true(strlist_contains(&changed, "state_dir"));
    assert_true(strlist_contains(&changed, "socket")); /* it follows state_dir */
    assert_true(strlist_contains(&changed, "[docker] host"));
    assert_false(strlist_contains(&changed, "dags_dir"));
    strlist_free(&changed);
    config_free(&running);
    config_free(&next);
    diag_free(&diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_key_parsed_and_printed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_print_reads_back, setup, teardown),
        cmocka_unit_test(test_every_key_documented),
        cmocka_unit_test_setup_teardown(test_reload_keeps_restart_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

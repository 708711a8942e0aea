/* The value types of the agent config: a table of operations (parse,
 * format, free, size) per type, so that a row of the config table says
 * everything about its key. */
#include "config_key.h"
#include "notify_config.h"
#include "timeutil.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parse_ctx {
    const cfg_key *k;
    const char *base_dir;
    bool tidy;
    char *err;
    size_t errlen;
} parse_ctx;

typedef struct type_ops {
    size_t size;
    int (*parse)(const parse_ctx *c, void *field, const char *v);
    bool (*format)(const cfg_key *k, const void *field, char *buf, size_t len);
    bool owns_string; /* the value is a malloc'd char * */
} type_ops;

static void set_string(void *field, char *s)
{
    char **p = field;
    free(*p);
    *p = s;
}

/* Relative to the config's folder; tidied with realpath when it exists. */
static int parse_path(const parse_ctx *c, void *field, const char *v)
{
    char *path = v[0] == '/' ? xstrdup(v) : xasprintf("%s/%s", c->base_dir, v);
    char real[PATH_MAX];
    if (c->tidy && realpath(path, real)) {
        free(path);
        path = xstrdup(real);
    }
    set_string(field, path);
    return 0;
}

static int parse_string(const parse_ctx *c, void *field, const char *v)
{
    if (c->k->check && c->k->check(v, c->err, c->errlen))
        return -1;
    cfg_value_free(c->k, field); /* wipes a secret */
    *(char **)field = xstrdup(v);
    return 0;
}

static bool format_string(const cfg_key *k, const void *field, char *buf, size_t len)
{
    const char *s = *(char *const *)field;
    if (s)
        snprintf(buf, len, "%s", k->flags & CF_SECRET ? "***" : s);
    return s != NULL;
}

static int parse_int(const parse_ctx *c, void *field, const char *v)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < c->k->min || n > c->k->max) {
        snprintf(c->err, c->errlen, "expected a whole number from %lld to %lld, got \"%s\"",
                 c->k->min, c->k->max, v);
        return -1;
    }
    *(int *)field = (int)n;
    return 0;
}

static bool format_int(const cfg_key *k, const void *field, char *buf, size_t len)
{
    (void)k;
    snprintf(buf, len, "%d", *(const int *)field);
    return true;
}

static int parse_mode(const parse_ctx *c, void *field, const char *v)
{
    char *end;
    long mode = strtol(v, &end, 8);
    if (end == v || *end || mode < 0 || mode > 0777) {
        snprintf(c->err, c->errlen, "expected an octal mode like 0660, got \"%s\"", v);
        return -1;
    }
    *(int *)field = (int)mode;
    return 0;
}

static bool format_mode(const cfg_key *k, const void *field, char *buf, size_t len)
{
    (void)k;
    snprintf(buf, len, "%04o", (unsigned)*(const int *)field);
    return true;
}

static int parse_size(const parse_ctx *c, void *field, const char *v)
{
    if (strcmp(v, "auto") == 0) {
        *(int64_t *)field = 0;
        return 0;
    }
    return size_parse(v, field, c->err, c->errlen);
}

/* Once loaded, auto is resolved (admission.c): the print shows bytes. */
static bool format_size(const cfg_key *k, const void *field, char *buf, size_t len)
{
    (void)k;
    int64_t b = *(const int64_t *)field;
    if (b <= 0)
        snprintf(buf, len, "auto");
    else
        snprintf(buf, len, "%lld", (long long)b);
    return true;
}

static int parse_cpus(const parse_ctx *c, void *field, const char *v)
{
    if (strcmp(v, "auto") == 0) {
        *(double *)field = 0;
        return 0;
    }
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !(d > 0)) {
        snprintf(c->err, c->errlen, "expected auto or a positive number of CPUs, got \"%s\"", v);
        return -1;
    }
    *(double *)field = d;
    return 0;
}

static bool format_cpus(const cfg_key *k, const void *field, char *buf, size_t len)
{
    (void)k;
    double d = *(const double *)field;
    if (d <= 0)
        snprintf(buf, len, "auto");
    else
        snprintf(buf, len, "%.15g", d);
    return true;
}

static int parse_duration(const parse_ctx *c, void *field, const char *v)
{
    int64_t us;
    if (duration_parse(v, &us, c->err, c->errlen))
        return -1;
    if (us < c->k->min || us > c->k->max) {
        char lo[32], hi[32];
        duration_format(c->k->min, lo, sizeof lo);
        duration_format(c->k->max, hi, sizeof hi);
        snprintf(c->err, c->errlen, "expected %s to %s, got \"%s\"", lo, hi, v);
        return -1;
    }
    *(int64_t *)field = us;
    return 0;
}

static bool format_duration(const cfg_key *k, const void *field, char *buf, size_t len)
{
    (void)k;
    duration_format(*(const int64_t *)field, buf, len);
    return true;
}

static int parse_notifier_type(const parse_ctx *c, void *field, const char *v)
{
    if (notifier_type_parse(v, field) == 0)
        return 0;
    snprintf(c->err, c->errlen, "expected slack or webhook, got \"%s\"", v);
    return -1;
}

static bool format_notifier_type(const cfg_key *k, const void *field, char *buf, size_t len)
{
    (void)k;
    enum notifier_type t = *(const enum notifier_type *)field;
    if (t != NOTIFIER_UNSET)
        snprintf(buf, len, "%s", notifier_type_name(t));
    return t != NOTIFIER_UNSET;
}

static int parse_events(const parse_ctx *c, void *field, const char *v)
{
    return notify_events_parse(v, field, c->err, c->errlen);
}

/* In the order the README lists them. */
static bool format_events(const cfg_key *k, const void *field, char *buf, size_t len)
{
    (void)k;
    static const char *const names[] = {"failure", "retry", "success", "sla_miss", "recovery"};
    unsigned on = *(const unsigned *)field;
    size_t n = 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (on & notify_event_bit(names[i]) && n < len)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "", names[i]);
    return true;
}

static const type_ops types[CT_COUNT] = {
    [CT_PATH] = {sizeof(char *), parse_path, format_string, true},
    [CT_STRING] = {sizeof(char *), parse_string, format_string, true},
    [CT_INT] = {sizeof(int), parse_int, format_int, false},
    [CT_MODE] = {sizeof(int), parse_mode, format_mode, false},
    [CT_SIZE] = {sizeof(int64_t), parse_size, format_size, false},
    [CT_CPUS] = {sizeof(double), parse_cpus, format_cpus, false},
    [CT_DURATION] = {sizeof(int64_t), parse_duration, format_duration, false},
    [CT_NOTIFIER_TYPE] = {sizeof(enum notifier_type), parse_notifier_type, format_notifier_type,
                          false},
    [CT_EVENTS] = {sizeof(unsigned), parse_events, format_events, false},
};

int cfg_value_parse(const cfg_key *k, void *field, const char *v, const char *base_dir, bool tidy,
                    char *err, size_t errlen)
{
    parse_ctx c = {k, base_dir, tidy, err, errlen};
    return types[k->type].parse(&c, field, v);
}

bool cfg_value_format(const cfg_key *k, const void *field, char *buf, size_t len)
{
    buf[0] = '\0';
    return types[k->type].format(k, field, buf, len);
}

void cfg_value_free(const cfg_key *k, void *field)
{
    if (!types[k->type].owns_string)
        return;
    char **p = field;
    if (*p && k->flags & CF_SECRET) /* not left in freed memory */
        memset(*p, 0, strlen(*p));
    free(*p);
    *p = NULL;
}

size_t cfg_value_size(const cfg_key *k)
{
    return types[k->type].size;
}

/* The value types of the agent config: one parser, printer and freer per
 * type, so that a row of the table says everything about its key. */
#include "config_key.h"
#include "docker_api.h"
#include "notify_config.h"
#include "timeutil.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Relative to the config's folder; tidied with realpath when it exists. */
static char *resolve_path(const char *base_dir, const char *value, bool tidy)
{
    char *path = value[0] == '/' ? xstrdup(value) : xasprintf("%s/%s", base_dir, value);
    char real[PATH_MAX];
    if (tidy && realpath(path, real)) {
        free(path);
        path = xstrdup(real);
    }
    return path;
}

static int parse_int(const char *value, long long min, long long max, long *out, char *err,
                     size_t errlen)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < min || v > max) {
        snprintf(err, errlen, "expected a whole number from %lld to %lld, got \"%s\"", min, max,
                 value);
        return -1;
    }
    *out = v;
    return 0;
}

static void set_string(void *field, char *s)
{
    char **p = field;
    free(*p);
    *p = s;
}

int cfg_value_parse(const cfg_key *k, void *field, const char *v, const char *base_dir, bool tidy,
                    char *err, size_t errlen)
{
    long n;
    switch (k->type) {
    case CT_PATH:
        set_string(field, resolve_path(base_dir, v, tidy));
        return 0;
    case CT_STRING:
        set_string(field, xstrdup(v));
        return 0;
    case CT_INT:
        if (parse_int(v, k->min, k->max, &n, err, errlen))
            return -1;
        *(int *)field = (int)n;
        return 0;
    case CT_MODE: {
        char *end;
        long mode = strtol(v, &end, 8);
        if (end == v || *end || mode < 0 || mode > 0777) {
            snprintf(err, errlen, "expected an octal mode like 0660, got \"%s\"", v);
            return -1;
        }
        *(int *)field = (int)mode;
        return 0;
    }
    case CT_SIZE:
        if (strcmp(v, "auto") == 0) {
            *(int64_t *)field = 0;
            return 0;
        }
        return size_parse(v, field, err, errlen);
    case CT_CPUS: {
        if (strcmp(v, "auto") == 0) {
            *(double *)field = 0;
            return 0;
        }
        char *end;
        double d = strtod(v, &end);
        if (end == v || *end || !(d > 0)) {
            snprintf(err, errlen, "expected auto or a positive number of CPUs, got \"%s\"", v);
            return -1;
        }
        *(double *)field = d;
        return 0;
    }
    case CT_TZ:
        if (!tz_exists(v)) {
            snprintf(err, errlen, "unknown time zone \"%s\"", v);
            return -1;
        }
        set_string(field, xstrdup(v));
        return 0;
    case CT_DOCKER_HOST:
        if (docker_host_check(v, err, errlen))
            return -1;
        set_string(field, xstrdup(v));
        return 0;
    case CT_NOTIFIER_TYPE:
        if (notifier_type_parse(v, field) == 0)
            return 0;
        snprintf(err, errlen, "expected slack or webhook, got \"%s\"", v);
        return -1;
    case CT_URL:
        if (!notify_url_valid(v)) {
            snprintf(err, errlen, "expected an http:// or https:// URL (the value is not shown)");
            return -1;
        }
        cfg_value_free(k, field);
        *(char **)field = xstrdup(v);
        return 0;
    case CT_EVENTS:
        return notify_events_parse(v, field, err, errlen);
    case CT_DURATION: {
        int64_t us;
        if (duration_parse(v, &us, err, errlen))
            return -1;
        if (us < k->min || us > k->max) {
            char lo[32], hi[32];
            duration_format(k->min, lo, sizeof lo);
            duration_format(k->max, hi, sizeof hi);
            snprintf(err, errlen, "expected %s to %s, got \"%s\"", lo, hi, v);
            return -1;
        }
        *(int64_t *)field = us;
        return 0;
    }
    }
    return -1;
}

/* NOTIFY_* bits in the order the README lists them. */
static const char *const event_names[] = {"failure", "retry", "success", "sla_miss"};

bool cfg_value_format(const cfg_key *k, const void *field, char *buf, size_t len)
{
    buf[0] = '\0';
    switch (k->type) {
    case CT_PATH:
    case CT_STRING:
    case CT_TZ:
    case CT_DOCKER_HOST:
    case CT_URL: {
        const char *s = *(char *const *)field;
        if (!s)
            return false;
        snprintf(buf, len, "%s", k->flags & CF_SECRET ? "***" : s);
        return true;
    }
    case CT_INT:
        snprintf(buf, len, "%d", *(const int *)field);
        return true;
    case CT_MODE:
        snprintf(buf, len, "%04o", (unsigned)*(const int *)field);
        return true;
    case CT_SIZE: {
        int64_t b = *(const int64_t *)field;
        if (b <= 0)
            snprintf(buf, len, "auto");
        else
            snprintf(buf, len, "%lld", (long long)b);
        return true;
    }
    case CT_CPUS: {
        double d = *(const double *)field;
        if (d <= 0)
            snprintf(buf, len, "auto");
        else
            snprintf(buf, len, "%.15g", d);
        return true;
    }
    case CT_NOTIFIER_TYPE: {
        enum notifier_type t = *(const enum notifier_type *)field;
        if (t == NOTIFIER_UNSET)
            return false;
        snprintf(buf, len, "%s", notifier_type_name(t));
        return true;
    }
    case CT_EVENTS: {
        unsigned on = *(const unsigned *)field;
        size_t n = 0;
        for (size_t i = 0; i < sizeof event_names / sizeof *event_names; i++)
            if (on & notify_event_bit(event_names[i]) && n < len)
                n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "", event_names[i]);
        return true;
    }
    case CT_DURATION:
        duration_format(*(const int64_t *)field, buf, len);
        return true;
    }
    return false;
}

void cfg_value_free(const cfg_key *k, void *field)
{
    switch (k->type) {
    case CT_URL: { /* a secret: not left in freed memory */
        char **p = field;
        if (*p)
            memset(*p, 0, strlen(*p));
        free(*p);
        *p = NULL;
        break;
    }
    case CT_PATH:
    case CT_STRING:
    case CT_TZ:
    case CT_DOCKER_HOST: {
        char **p = field;
        free(*p);
        *p = NULL;
        break;
    }
    default:
        break;
    }
}

size_t cfg_value_size(const cfg_key *k)
{
    switch (k->type) {
    case CT_INT:
    case CT_MODE:
        return sizeof(int);
    case CT_SIZE:
    case CT_DURATION:
        return sizeof(int64_t);
    case CT_CPUS:
        return sizeof(double);
    case CT_EVENTS:
        return sizeof(unsigned);
    case CT_NOTIFIER_TYPE:
        return sizeof(enum notifier_type);
    default:
        return sizeof(char *);
    }
}

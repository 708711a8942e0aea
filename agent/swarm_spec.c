#include "swarm_spec.h"
#include "template.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *string_array(char *const *items)
{
    json_t *a = json_array();
    for (size_t k = 0; items && items[k]; k++)
        json_array_append_new(a, json_string(items[k]));
    return a;
}

static void set_str(json_t *o, const char *key, const char *value)
{
    if (value && *value)
        json_object_set_new(o, key, json_string(value));
}

static json_t *labels_of(const swarm_spec *s)
{
    char try_number[16];
    snprintf(try_number, sizeof try_number, "%d", s->try_number);
    json_t *l = json_pack("{s:s, s:s, s:s, s:s}", "dagd.dag_id", s->dag_id, "dagd.run_id",
                          s->run_id, "dagd.task_id", s->task_id, "dagd.try_number", try_number);
    if (s->agent_id)
        json_object_set_new(l, SWARM_LABEL_AGENT, json_string(s->agent_id));
    return l;
}

/* HOST:CTR[:MODE]: an absolute HOST is a bind mount (on the node that runs
 * the task), anything else a named volume. */
static json_t *mount_of(const char *volume)
{
    const char *c1 = strchr(volume, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    char *source = xstrndup(volume, c1 ? (size_t)(c1 - volume) : strlen(volume));
    char *target =
        c1 ? (c2 ? xstrndup(c1 + 1, (size_t)(c2 - c1 - 1)) : xstrdup(c1 + 1)) : xstrdup(source);
    bool ro = c2 && strstr(c2 + 1, "ro") != NULL;
    json_t *m = json_pack("{s:s, s:s, s:s, s:b}", "Type", source[0] == '/' ? "bind" : "volume",
                          "Source", source, "Target", target, "ReadOnly", ro);
    free(source);
    free(target);
    return m;
}

static json_t *resources_of(const swarm_spec *s)
{
    json_t *limits = json_object(), *reserve = json_object();
    if (s->memory > 0) {
        json_object_set_new(limits, "MemoryBytes", json_integer(s->memory));
        json_object_set_new(reserve, "MemoryBytes", json_integer(s->memory));
    }
    if (s->cpus > 0) {
        json_int_t nano = (json_int_t)llround(s->cpus * 1e9);
        json_object_set_new(limits, "NanoCPUs", json_integer(nano));
        json_object_set_new(reserve, "NanoCPUs", json_integer(nano));
    }
    if (s->generic_resources && s->generic_resources->n) {
        json_t *g = json_array();
        for (size_t k = 0; k < s->generic_resources->n; k++) {
            const char *item = s->generic_resources->items[k];
            const char *eq = strchr(item, '='); /* checked at load: KIND=N */
            char *kind = xstrndup(item, eq ? (size_t)(eq - item) : strlen(item));
            json_array_append_new(g, json_pack("{s:{s:s, s:I}}", "DiscreteResourceSpec", "Kind",
                                               kind, "Value",
                                               (json_int_t)(eq ? strtoll(eq + 1, NULL, 10) : 1)));
            free(kind);
        }
        json_object_set_new(reserve, "GenericResources", g);
    }
    return json_pack("{s:o, s:o}", "Limits", limits, "Reservations", reserve);
}

json_t *swarm_service_body(const swarm_spec *s, char *err, size_t errlen)
{
    json_t *cs = json_object();
    json_object_set_new(cs, "Image", json_string(s->image));
    if (s->entrypoint && *s->entrypoint) {
        char **words = shell_split(s->entrypoint, err, errlen);
        if (!words) {
            json_decref(cs);
            return NULL;
        }
        json_object_set_new(cs, "Command", string_array(words));
        shell_split_free(words);
    }
    if (s->argv && s->argv[0])
        json_object_set_new(cs, "Args", string_array(s->argv));
    json_object_set_new(cs, "Env", string_array(s->env));
    set_str(cs, "Dir", s->workdir);
    set_str(cs, "User", s->user);
    json_object_set_new(cs, "Labels", labels_of(s));
    if (s->volumes && s->volumes->n) {
        json_t *mounts = json_array();
        for (size_t k = 0; k < s->volumes->n; k++)
            json_array_append_new(mounts, mount_of(s->volumes->items[k]));
        json_object_set_new(cs, "Mounts", mounts);
    }
    json_t *tt = json_pack("{s:o, s:o, s:{s:s, s:i}}", "ContainerSpec", cs, "Resources",
                           resources_of(s), "RestartPolicy", "Condition", "none", "MaxAttempts", 0);
    if (s->constraints && s->constraints->n) {
        json_t *c = json_array();
        for (size_t k = 0; k < s->constraints->n; k++)
            json_array_append_new(c, json_string(s->constraints->items[k]));
        json_object_set_new(tt, "Placement", json_pack("{s:o}", "Constraints", c));
    }
    if (s->network && *s->network)
        json_object_set_new(tt, "Networks", json_pack("[{s:s}]", "Target", s->network));
    /* One completion, one at a time, never restarted: dagd does retries. */
    return json_pack("{s:s, s:o, s:{s:{s:i, s:i}}, s:o}", "Name", s->name, "Labels", labels_of(s),
                     "Mode", "ReplicatedJob", "MaxConcurrent", 1, "TotalCompletions", 1,
                     "TaskTemplate", tt);
}

/* FNV-1a, 64 bits, over the parts with a separator no id holds. */
static uint64_t identity_hash(const char *const *parts, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t k = 0; k < n; k++) {
        for (const char *c = parts[k] ? parts[k] : ""; *c; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ULL;
        h = (h ^ 0x1f) * 1099511628211ULL;
    }
    return h;
}

/* S as [a-zA-Z0-9-], at most MAX characters. */
static void dns_part(const char *s, size_t max, char *out)
{
    size_t n = 0;
    for (; s[n] && n < max; n++) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        out[n] = ok ? c : '-';
    }
    out[n] = '\0';
}

#define NAME_HASH_LEN 10

void swarm_service_name(const char *agent_id, const char *dag_id, const char *run_id,
                        const char *task_id, int try_number, char out[SWARM_NAME_MAX + 1])
{
    char try_s[16];
    snprintf(try_s, sizeof try_s, "%d", try_number);
    const char *parts[] = {agent_id, dag_id, run_id, task_id, try_s};
    uint64_t h = identity_hash(parts, sizeof parts / sizeof *parts);
    /* "dagd-" D "-" T "-" HASH: what is left goes to the ids, the DAG's
     * share first up to half, the task's the rest. */
    size_t room = SWARM_NAME_MAX - 5 - 2 - NAME_HASH_LEN;
    size_t dl = strlen(dag_id), tl = strlen(task_id);
    size_t dmax = dl + tl <= room ? dl : (tl < room / 2 ? room - tl : room / 2);
    if (dmax > dl)
        dmax = dl;
    size_t tmax = room - dmax;
    char d[SWARM_NAME_MAX + 1], t[SWARM_NAME_MAX + 1];
    dns_part(dag_id, dmax, d);
    dns_part(task_id, tmax, t);
    char full[3 * SWARM_NAME_MAX]; /* fits by the sums above */
    snprintf(full, sizeof full, "dagd-%s-%s-%0*llx", d, t, NAME_HASH_LEN,
             (unsigned long long)(h >> (64 - 4 * NAME_HASH_LEN)));
    snprintf(out, SWARM_NAME_MAX + 1, "%.*s", SWARM_NAME_MAX, full);
}

void swarm_agent_id(const char *hostname, const char *state_dir, char out[17])
{
    const char *parts[] = {hostname, state_dir};
    snprintf(out, 17, "%016llx", (unsigned long long)identity_hash(parts, 2));
}

char *swarm_try_filter(const char *agent_id, const char *dag_id, const char *run_id,
                       const char *task_id, int try_number)
{
    json_t *labels = json_array();
    char *v[5] = {
        xasprintf("dagd.dag_id=%s", dag_id),
        xasprintf("dagd.run_id=%s", run_id),
        xasprintf("dagd.task_id=%s", task_id),
        xasprintf("dagd.try_number=%d", try_number),
        agent_id ? xasprintf("%s=%s", SWARM_LABEL_AGENT, agent_id) : NULL,
    };
    for (size_t k = 0; k < 5; k++) {
        if (v[k])
            json_array_append_new(labels, json_string(v[k]));
        free(v[k]);
    }
    json_t *filters = json_pack("{s:o}", "label", labels);
    char *f = json_dumps(filters, JSON_COMPACT);
    json_decref(filters);
    return f ? f : xstrdup("{}");
}

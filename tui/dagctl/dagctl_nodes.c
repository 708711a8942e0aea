/* dagctl nodes: the swarm's nodes as the agent's manager sees them. */
#include "dagctl.h"

#include <stdio.h>
#include <string.h>

static const char *text(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

/* Bytes in the largest unit that keeps a digit before the point. */
static void human_bytes(double b, char *buf, size_t len)
{
    static const char units[] = "BKMGTP";
    size_t u = 0;
    while (b >= 1024 && u + 1 < sizeof units - 1) {
        b /= 1024;
        u++;
    }
    snprintf(buf, len, u ? "%.1f%c" : "%.0f%c", b, units[u]);
}

static void print_nodes(json_t *list)
{
    printf("%-26s %-20s %-8s %-12s %5s %8s %5s %s\n", "ID", "HOSTNAME", "STATE", "AVAILABILITY",
           "CPUS", "MEMORY", "TASKS", "LABELS");
    size_t i;
    json_t *n;
    json_array_foreach(list, i, n)
    {
        char mem[32], labels[1024] = "";
        human_bytes((double)json_integer_value(json_object_get(n, "memory")), mem, sizeof mem);
        const char *k;
        json_t *v;
        size_t used = 0;
        json_object_foreach(json_object_get(n, "labels"), k, v)
        {
            int w = snprintf(labels + used, sizeof labels - used, "%s%s=%s", used ? "," : "", k,
                             json_string_value(v) ? json_string_value(v) : "");
            if (w < 0 || (size_t)w >= sizeof labels - used)
                break;
            used += (size_t)w;
        }
        printf("%-26s %-20s %-8s %-12s %5g %8s %5lld %s\n", text(n, "id"), text(n, "hostname"),
               text(n, "state"), text(n, "availability"),
               json_number_value(json_object_get(n, "cpus")), mem,
               (long long)json_integer_value(json_object_get(n, "tasks")), used ? labels : "-");
    }
}

int ctl_nodes(ctl *x)
{
    if (x->argc)
        return ctl_usage_error("usage: dagctl nodes");
    int rc;
    /* The agent gives the engine 10 s per call; two calls. */
    json_t *r = ctl_call(x, "nodes", NULL, 30000, &rc);
    return r ? ctl_finish(x, r, print_nodes) : rc;
}

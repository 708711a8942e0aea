/* dagctl notify test NAME: a test message through a notifier of the agent;
 * prints the endpoint's HTTP status. Exit 0 when it answered 2xx. */
#include "dagctl.h"

#include <stdio.h>
#include <string.h>

static void print_test(json_t *r)
{
    const char *name = json_string_value(json_object_get(r, "name"));
    const char *error = json_string_value(json_object_get(r, "error"));
    long status = (long)json_integer_value(json_object_get(r, "status"));
    bool delivered = json_is_true(json_object_get(r, "delivered"));
    if (status)
        printf("%s: HTTP %ld, %s\n", name ? name : "-", status,
               delivered ? "delivered" : "not delivered");
    else
        printf("%s: no answer, not delivered: %s\n", name ? name : "-", error ? error : "?");
}

int ctl_notify(ctl *x)
{
    parsed_args p;
    if (ctl_parse_args(x, NULL, NULL, &p))
        return EXIT_USAGE;
    if (p.n_pos != 2 || strcmp(p.pos[0], "test") != 0)
        return ctl_usage_error("usage: dagctl notify test NAME");
    int rc;
    /* No client-side timeout: the agent answers within the notifier's own. */
    json_t *r = ctl_call(x, "notify_test", json_pack("{s:s}", "name", p.pos[1]), -1, &rc);
    if (!r)
        return rc;
    bool delivered = json_is_true(json_object_get(r, "delivered"));
    ctl_finish(x, r, print_test);
    return delivered ? EXIT_OK : EXIT_REFUSED;
}

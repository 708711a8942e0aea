/* metrics: the Prometheus text of metrics.c, as metrics_file holds it. */
#include "commands.h"
#include "metrics.h"

#include <stdlib.h>

json_t *cmd_metrics(request *rq)
{
    char *text = metrics_text(rq->ag);
    json_t *s = json_string(text);
    free(text);
    return s;
}

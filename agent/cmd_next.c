/* next: the next N scheduled runs of a DAG. */
#include "commands.h"
#include "scheduler.h"
#include "timeutil.h"

#define NEXT_MAX 1000

void cmd_next(request *rq)
{
    dag_entry *de = arg_dag(rq);
    long long count = 5;
    if (!de || !arg_int(rq, "count", false, &count))
        return;
    if (count < 1 || count > NEXT_MAX) {
        server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.count\" must be 1..%d",
                           NEXT_MAX);
        return;
    }
    int64_t logical[NEXT_MAX], starts[NEXT_MAX];
    int n = scheduler_upcoming(de, time_now_us(), (int)count, logical, starts);
    json_t *list = json_array();
    const char *tz = de->model ? de->model->timezone : "UTC";
    for (int i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:o, s:o}", "logical_date",
                                              json_date_or_null(logical[i], tz), "starts_at",
                                              json_time_or_null(starts[i], tz)));
    server_reply_ok(rq->cl, rq->id, list);
}

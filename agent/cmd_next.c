/* next: the next N scheduled runs of a DAG. */
#include "commands.h"
#include "scheduler.h"
#include "timeutil.h"

json_t *cmd_next(request *rq)
{
    dag_entry *de = rq->dag;
    long long count = arg_int(rq, "count"); /* 1..NEXT_MAX, checked */
    int64_t logical[NEXT_MAX], starts[NEXT_MAX];
    int n = scheduler_upcoming(de, time_now_us(), (int)count, logical, starts);
    json_t *list = json_array();
    const char *tz = de->model ? de->model->timezone : "UTC";
    for (int i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:o, s:o}", "logical_date",
                                              json_date_or_null(logical[i], tz), "starts_at",
                                              json_time_or_null(starts[i], tz)));
    return list;
}

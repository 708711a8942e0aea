/* logs: a chunk of a try's log file from an offset. A client follows a
 * running task by asking again from the returned offset. */
#include "commands.h"
#include "logpath.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_CHUNK (256 * 1024)

/* JSON strings must be UTF-8: anything else becomes '?'. */
static json_t *text_json(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    if (j)
        return j;
    char *copy = xstrndup(s, n);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)copy[i] >= 0x80 || copy[i] == '\0')
            copy[i] = '?';
    j = json_stringn(copy, n);
    free(copy);
    return j;
}

void cmd_logs(request *rq)
{
    dag_entry *de = arg_dag(rq);
    const char *task_id;
    long long try_number = 0, offset = 0;
    char *run_id = NULL;
    if (!de || !arg_string(rq, "task_id", true, &task_id) ||
        !arg_int(rq, "try", false, &try_number) || !arg_int(rq, "offset", false, &offset) ||
        !arg_run(rq, de, &run_id, NULL))
        return;
    enum ti_state state;
    int last_try = store_ti_try(rq->ag->db, de->dag_id, run_id, task_id, &state);
    if (last_try < 0) {
        server_reply_error(rq->cl, rq->id, "not_found", "run \"%s\" has no task \"%s\"", run_id,
                           task_id);
        free(run_id);
        return;
    }
    if (try_number <= 0)
        try_number = last_try;
    if (try_number > last_try || try_number < 1) {
        server_reply_error(rq->cl, rq->id, "not_found", "task \"%s\" of \"%s\" has no try %lld",
                           task_id, run_id, try_number);
        free(run_id);
        return;
    }
    char *path = logpath_try(rq->ag->cfg.state_dir, de->dag_id, run_id, task_id, (int)try_number);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *buf = xmalloc(LOG_CHUNK);
    ssize_t n = fd < 0 ? 0 : pread(fd, buf, LOG_CHUNK, (off_t)offset);
    if (n < 0)
        n = 0;
    off_t size = fd < 0 ? 0 : lseek(fd, 0, SEEK_END);
    if (fd >= 0)
        close(fd);
    bool running =
        (try_number == last_try) && !ti_state_finished(state) && state != TI_UP_FOR_RETRY;
    json_t *o =
        json_pack("{s:o, s:I, s:i, s:s, s:b, s:b}", "text", text_json(buf, (size_t)n), "offset",
                  (json_int_t)(offset + n), "try_number", (int)try_number, "state",
                  ti_state_name(state), "eof", offset + n >= size, "finished", !running);
    server_reply_ok(rq->cl, rq->id, o);
    free(buf);
    free(path);
    free(run_id);
}

/* logs: a page of a try's log file from an offset. A client follows a
 * running task, or reads a big log, by asking again from the returned
 * offset. The file is opened below the logs folder without following any
 * symlink, and a page's JSON stays under a byte budget. Offsets and sizes
 * count the task's output only: the status record at the start of a log
 * (logpath.h) is never shown. */
#include "commands.h"
#include "fsutil.h"
#include "logpath.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_CHUNK (256 * 1024)       /* raw bytes read for one page */
#define LOG_PAGE_BUDGET (256 * 1024) /* bytes of JSON text in one page */

/* Length of the valid UTF-8 sequence at S (N bytes left), 0 if invalid,
 * -1 if it may be valid but is cut by the end of the buffer. */
static int utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    int len = c >= 0xC2 && c <= 0xDF   ? 2
              : c >= 0xE0 && c <= 0xEF ? 3
              : c >= 0xF0 && c <= 0xF4 ? 4
                                       : 0;
    if (!len)
        return 0;
    unsigned char lo = 0x80, hi = 0xBF; /* second byte: no overlongs, surrogates, > U+10FFFF */
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    for (int i = 1; i < len; i++) {
        if ((size_t)i >= n)
            return -1;
        if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
            return 0;
    }
    return len;
}

/* The text of S[0..N) as a JSON string of at most BUDGET encoded bytes:
 * valid UTF-8 kept, other bytes (and NUL) as '?'. A sequence cut by the
 * end of the chunk waits for the next page unless AT_END. *USED: the raw
 * bytes consumed. */
static json_t *page_text(const char *s, size_t n, bool at_end, size_t budget, size_t *used)
{
    const unsigned char *u = (const unsigned char *)s;
    char *out = xmalloc(n + 1);
    size_t i = 0, o = 0, cost = 2; /* the quotes */
    while (i < n) {
        int len = u[i] < 0x80 ? 1 : utf8_seq(u + i, n - i);
        if (len < 0 && !at_end)
            break;
        if (len <= 0 || u[i] == 0) {
            len = 1;
            out[o] = '?';
        } else {
            memcpy(out + o, s + i, (size_t)len);
        }
        unsigned char c = (unsigned char)out[o];
        size_t w =
            c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t'
                ? 2
            : c < 0x20 ? 6
                       : (size_t)len;
        if (cost + w > budget)
            break;
        cost += w;
        o += (size_t)len;
        i += (size_t)len;
    }
    *used = i;
    json_t *j = json_stringn(out, o);
    free(out);
    return j;
}

static void reply_unsafe(request *rq, const char *run_id, const char *task_id, long long try)
{
    server_reply_error(rq->cl, rq->id, "forbidden",
                       "the log of %s / %s try %lld is not a regular file inside the logs folder "
                       "(a symlink?); not read",
                       run_id, task_id, try);
}

json_t *cmd_logs(request *rq)
{
    dag_entry *de = rq->dag;
    const char *task_id = arg_str(rq, "task_id");
    long long try_number = arg_int(rq, "try"), offset = arg_int(rq, "offset");
    const char *run_id = rq->run_id;
    enum ti_state state;
    int last_try = store_ti_try(rq->ag->db, de->dag_id, run_id, task_id, &state);
    if (last_try < 0) {
        server_reply_error(rq->cl, rq->id, "not_found", "run \"%s\" has no task \"%s\"", run_id,
                           task_id);
        return NULL;
    }
    if (try_number <= 0)
        try_number = last_try;
    if (try_number > last_try || try_number < 1) {
        server_reply_error(rq->cl, rq->id, "not_found", "task \"%s\" of \"%s\" has no try %lld",
                           task_id, run_id, try_number);
        return NULL;
    }
    try_files f;
    logpath_find(rq->ag->cfg.state_dir, de->dag_id, run_id, task_id, (int)try_number, &f);
    char *root = xasprintf("%s/logs/", rq->ag->cfg.state_dir);
    size_t root_len = strlen(root);
    root[root_len - 1] = '\0';
    int fd = strncmp(f.log, root, root_len - 1) == 0 ? fs_open_below(root, f.log + root_len) : -1;
    int open_errno = errno;
    off_t skip = (off_t)f.header;
    free(root);
    try_files_free(&f);
    if (fd < 0 && open_errno != ENOENT) {
        /* A link, a FIFO, a folder: nothing of it is shown. */
        reply_unsafe(rq, run_id, task_id, try_number);
        return NULL;
    }
    char *buf = xmalloc(LOG_CHUNK);
    ssize_t n = fd < 0 ? 0 : pread(fd, buf, LOG_CHUNK, (off_t)offset + skip);
    if (n < 0)
        n = 0;
    off_t size = fd < 0 ? 0 : lseek(fd, 0, SEEK_END) - skip;
    if (size < 0) /* made, not claimed yet (or cut short): nothing to show */
        size = 0;
    if (fd >= 0)
        close(fd);
    size_t used = 0;
    json_t *text = page_text(buf, (size_t)n, offset + n >= size, LOG_PAGE_BUDGET, &used);
    bool running =
        (try_number == last_try) && !ti_state_finished(state) && state != TI_UP_FOR_RETRY;
    long long next = offset + (long long)used;
    json_t *o = json_pack("{s:o, s:I, s:i, s:s, s:b, s:b, s:b, s:I}", "text", text, "offset",
                          (json_int_t)next, "try_number", (int)try_number, "state",
                          ti_state_name(state), "eof", next >= size, "finished", !running, "more",
                          next < size, "size", (json_int_t)size);
    free(buf);
    return o;
}

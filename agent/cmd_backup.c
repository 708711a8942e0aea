/* backup FILE: a copy of the store made while the agent runs. Operators
 * only (the table says so). The copy is made on libuv's thread pool with a
 * connection of its own (store_backup_file), so replies never stall; it is
 * written beside FILE and linked into place at the end, so FILE is never
 * half a database. An existing FILE is refused (code "exists"): a backup
 * never overwrites anything. */
#include "commands.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct backup_job {
    uv_work_t work;
    client *cl;
    json_t *id;
    char *db, *file, *tmp;
    int rc;
    char code[32];
    char err[512];
    long long bytes;
} backup_job;

static void do_backup(uv_work_t *w)
{
    backup_job *j = w->data;
    unlink(j->tmp); /* a copy an earlier agent left half done */
    snprintf(j->code, sizeof j->code, "io");
    j->rc = store_backup_file(j->db, j->tmp, j->err, sizeof j->err);
    if (j->rc == 0 && link(j->tmp, j->file) != 0) {
        j->rc = -1;
        if (errno == EEXIST)
            snprintf(j->code, sizeof j->code, "exists");
        snprintf(j->err, sizeof j->err, "%s", strerror(errno));
    }
    struct stat st;
    if (j->rc == 0 && stat(j->file, &st) == 0)
        j->bytes = (long long)st.st_size;
    unlink(j->tmp);
}

static void after_backup(uv_work_t *w, int status)
{
    backup_job *j = w->data;
    if (status && j->rc == 0) {
        j->rc = -1;
        snprintf(j->err, sizeof j->err, "%s", uv_strerror(status));
    }
    if (!client_closed(j->cl)) {
        if (j->rc == 0)
            server_reply_ok(
                j->cl, j->id,
                json_pack("{s:s, s:I}", "file", j->file, "bytes", (json_int_t)j->bytes));
        else
            server_reply_error(j->cl, j->id, j->code, "backup to %s: %s", j->file, j->err);
    }
    client_unref(j->cl);
    json_decref(j->id);
    free(j->db);
    free(j->file);
    free(j->tmp);
    free(j);
}

json_t *cmd_backup(request *rq)
{
    const char *file = arg_str(rq, "file");
    struct stat st;
    if (file[0] != '/') {
        server_reply_error(rq->cl, rq->id, "bad_request",
                           "file: an absolute path, got \"%s\" (dagctl makes it absolute)", file);
        return NULL;
    }
    if (lstat(file, &st) == 0) {
        server_reply_error(rq->cl, rq->id, "exists",
                           "%s exists; a backup never overwrites (remove it, or name another)",
                           file);
        return NULL;
    }
    audit_change(rq, "backup", NULL, NULL, NULL, file);
    backup_job *j = xcalloc(1, sizeof *j);
    j->work.data = j;
    j->cl = rq->cl;
    client_ref(j->cl);
    j->id = json_incref(rq->id);
    j->db = xasprintf("%s/dagd.db", rq->ag->cfg.state_dir);
    j->file = xstrdup(file);
    j->tmp = xasprintf("%s.tmp-%d", file, (int)getpid());
    int rc = uv_queue_work(rq->ag->loop, &j->work, do_backup, after_backup);
    if (rc) { /* cannot happen with a live loop */
        j->rc = -1;
        snprintf(j->code, sizeof j->code, "io");
        snprintf(j->err, sizeof j->err, "%s", uv_strerror(rc));
        after_backup(&j->work, 0);
    }
    return NULL; /* the reply comes when the copy is done */
}

/* show: the text of a DAG's file at one version (the current by default),
 * from the store, in pages that never split a character. */
#include "commands.h"
#include "store.h"
#include "utf8.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define SHOW_PAGE (256 * 1024) /* bytes of text in one page */

json_t *cmd_show(request *rq)
{
    dag_entry *de = rq->dag;
    const char *version = arg_str(rq, "version");
    if (!version || !*version)
        version = de->model ? de->model->version : "";
    long long offset = arg_int(rq, "offset");
    size_t len = 0;
    char *text = *version ? store_version_text(rq->ag->db, de->dag_id, version, &len) : NULL;
    if (!text) {
        server_reply_error(rq->cl, rq->id, "not_found", "DAG has no such version");
        return NULL;
    }
    size_t from = offset > 0 && (size_t)offset < len ? (size_t)offset : offset > 0 ? len : 0;
    size_t n = utf8_cut(text + from, len - from, SHOW_PAGE);
    if (n == 0 && from < len) /* not UTF-8 at the cut: one byte (escaped) */
        n = 1;
    char *piece = xstrndup(text + from, n);
    json_t *o =
        json_pack("{s:s, s:s, s:o, s:I, s:b}", "dag_id", de->dag_id, "version", version, "text",
                  json_text(piece), "offset", (json_int_t)(from + n), "more", from + n < len);
    free(piece);
    free(text);
    return o;
}

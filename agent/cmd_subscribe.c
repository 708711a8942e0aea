/* subscribe: the connection becomes a stream of {"event":…} lines. */
#include "commands.h"
#include "version.h"

void cmd_subscribe(request *rq)
{
    client_subscribe(rq->cl);
    server_reply_ok(rq->cl, rq->id,
                    json_pack("{s:b, s:i}", "subscribed", 1, "protocol", DAGD_PROTOCOL));
}

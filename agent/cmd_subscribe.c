/* subscribe: the connection becomes a stream of {"event":…} lines. */
#include "commands.h"
#include "version.h"

json_t *cmd_subscribe(request *rq)
{
    client_subscribe(rq->cl);
    return json_pack("{s:b, s:i}", "subscribed", 1, "protocol", DAGD_PROTOCOL);
}

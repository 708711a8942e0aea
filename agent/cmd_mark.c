/* mark: selected task instances set to success or failed without running
 * (a running one is killed first); see control.c for what follows. */
#include "commands.h"

#include <string.h>

void cmd_mark(request *rq)
{
    const char *state;
    if (!arg_string(rq, "state", true, &state))
        return;
    if (strcmp(state, "success") != 0 && strcmp(state, "failed") != 0) {
        server_reply_error(rq->cl, rq->id, "bad_request",
                           "field \"args.state\" must be \"success\" or \"failed\"");
        return;
    }
    bool success = strcmp(state, "success") == 0;
    change_selection(rq, success ? "mark_success" : "mark_failed",
                     success ? TI_SUCCESS : TI_FAILED);
}

/* mark: selected task instances set to success or failed without running
 * (a running one is killed first); see control.c for what follows. */
#include "commands.h"

#include <string.h>

json_t *cmd_mark(request *rq)
{
    bool success = strcmp(arg_str(rq, "state"), "success") == 0; /* or failed: checked */
    return change_selection(rq, success ? "mark_success" : "mark_failed",
                            success ? TI_SUCCESS : TI_FAILED);
}

/* Who may change state: root, the agent's own user, and the users and
 * @groups listed in [access] operators. */
#ifndef DAGD_ACCESS_H
#define DAGD_ACCESS_H

#include <stdbool.h>
#include <sys/types.h>

bool access_is_operator(const char *operators, uid_t uid);
/* Root and the agent's own user: never capped in connections. */
bool access_is_exempt(uid_t uid);
/* The user name of UID, or its number as text. Caller frees. */
char *access_user_name(uid_t uid);

#endif

#include "access.h"
#include "util.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool in_group(const char *group, const struct passwd *pw)
{
    const struct group *gr = getgrnam(group);
    if (!gr)
        return false;
    if (pw->pw_gid == gr->gr_gid)
        return true;
    for (char **m = gr->gr_mem; *m; m++)
        if (strcmp(*m, pw->pw_name) == 0)
            return true;
    return false;
}

bool access_is_exempt(uid_t uid)
{
    return uid == 0 || uid == getuid();
}

bool access_is_operator(const char *operators, uid_t uid)
{
    if (access_is_exempt(uid))
        return true;
    const struct passwd *pw = getpwuid(uid);
    if (!pw || !operators)
        return false;
    char *list = xstrdup(operators);
    bool ok = false;
    char *save = NULL;
    for (char *w = strtok_r(list, " \t,", &save); w && !ok; w = strtok_r(NULL, " \t,", &save))
        ok = w[0] == '@' ? in_group(w + 1, pw) : strcmp(w, pw->pw_name) == 0;
    free(list);
    return ok;
}

char *access_user_name(uid_t uid)
{
    const struct passwd *pw = getpwuid(uid);
    return pw ? xstrdup(pw->pw_name) : xasprintf("%u", (unsigned)uid);
}

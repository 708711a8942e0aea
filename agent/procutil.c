#include "procutil.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int64_t proc_start_ticks(int pid)
{
    if (pid <= 0)
        return -1;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1); /* one read: procfs makes it whole */
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* The command name may hold spaces and parentheses: count from the
     * last ')'. Field 3 (state) follows it; start time is field 22. */
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    p++;
    for (int field = 3; field < 22 && p; field++)
        p = strchr(p + 1, ' ');
    return p ? strtoll(p + 1, NULL, 10) : -1;
}

char proc_state(int pid)
{
    char path[64], stat[256];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    /* The name in parentheses may hold spaces and ')': the state follows
     * the last ')'. */
    const char *paren = strrchr(stat, ')');
    return paren && paren[1] == ' ' ? paren[2] : 0;
}

/* A zombie has ended: it only waits for a parent that may never reap it. */
bool proc_is_same(int pid, int64_t start)
{
    int64_t now = proc_start_ticks(pid);
    return now >= 0 && now == start && proc_state(pid) != 'Z';
}

static bool environ_has(int pid, const char *entry, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/environ", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    strbuf sb = {0};
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        sb_append_len(&sb, buf, (size_t)n);
    close(fd);
    bool found = false;
    for (size_t off = 0; sb.data && off < sb.len && !found; off += strlen(sb.data + off) + 1)
        found = strlen(sb.data + off) == len && memcmp(sb.data + off, entry, len) == 0;
    sb_free(&sb);
    return found;
}

/* A live process (not this one, not a zombie) holding NAME=VALUE, or 0. */
static int find_exact(const char *name, const char *value)
{
    char *entry = xasprintf("%s=%s", name, value);
    size_t len = strlen(entry);
    DIR *d = opendir("/proc");
    int found = 0;
    for (struct dirent *e; d && !found && (e = readdir(d));) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        int pid = atoi(e->d_name);
        if (pid != getpid() && environ_has(pid, entry, len) && proc_state(pid) != 'Z')
            found = pid;
    }
    if (d)
        closedir(d);
    free(entry);
    return found;
}

int proc_find_by_env(const char *name, const char *value)
{
    int found = find_exact(name, value);
    /* The try lives while its group leader (its shell) does; what outlives
     * the leader is left over, not the try. */
    int leader = found ? getpgid(found) : -1;
    bool leader_lives = leader > 0 && proc_start_ticks(leader) >= 0 && proc_state(leader) != 'Z';
    return leader_lives ? leader : 0;
}

/* The whole search, kills and waits, is bounded: a process that does not
 * go (stuck in the kernel) must not hold the agent's loop for long. */
#define KILL_BY_ENV_MAX 1000
#define KILL_BY_ENV_WAIT_US (500 * 1000)

int proc_kill_by_env(const char *name, const char *value)
{
    int n = 0;
    int waited_us = 0;
    for (int pid; n < KILL_BY_ENV_MAX && (pid = find_exact(name, value)) > 0; n++) {
        kill(pid, SIGKILL);
        /* Wait for it to go (or become a zombie) before looking again. */
        for (;;) {
            char state = proc_state(pid);
            if (state == 'Z' || state == 0)
                break;
            if (waited_us >= KILL_BY_ENV_WAIT_US)
                return n + 1; /* killed; the rest is found next time */
            usleep(1000);
            waited_us += 1000;
        }
    }
    return n;
}

/* systemd's notify protocol (sd_notify(3)), written out because it is small
 * and has been stable since systemd 1 (it is documented as such in
 * sd_notify(3) "Notes": reimplementations are expected):
 *
 *   - $NOTIFY_SOCKET names an AF_UNIX datagram socket: a path, or, when it
 *     starts with '@', a name in the abstract namespace (the '@' becomes a
 *     NUL byte and the address length counts only the bytes of the name).
 *   - Each notification is one datagram (sendto, no connection) of
 *     newline-separated KEY=VALUE assignments: READY=1, RELOADING=1 (with
 *     MONOTONIC_USEC=N, CLOCK_MONOTONIC in microseconds), STOPPING=1,
 *     STATUS=free text, WATCHDOG=1.
 *   - $WATCHDOG_USEC asks for WATCHDOG=1 at least that often (systemd
 *     advises half of it); $WATCHDOG_PID, when set, names the one process
 *     it is meant for.
 *
 * Linking libsystemd would cost the agent more resident memory than this
 * whole file (it maps libsystemd with its own dependencies), for the same
 * four lines of sendto. */
#include "sd_notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Set once at the start, on the loop thread. */
static int fd = -1;
static struct sockaddr_un addr;
static socklen_t addr_len;
static uint64_t watchdog_usec;

static uint64_t parse_u64(const char *v)
{
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    return errno || *end ? 0 : (uint64_t)n;
}

bool sdn_init(void)
{
    const char *path = getenv("NOTIFY_SOCKET");
    uint64_t wd = parse_u64(getenv("WATCHDOG_USEC"));
    uint64_t wd_pid = parse_u64(getenv("WATCHDOG_PID"));
    bool ok = false;
    size_t n = path ? strlen(path) : 0;
    if (n >= 2 && n < sizeof addr.sun_path && (path[0] == '/' || path[0] == '@')) {
        memset(&addr, 0, sizeof addr);
        addr.sun_family = AF_UNIX;
        memcpy(addr.sun_path, path, n);
        if (path[0] == '@')
            addr.sun_path[0] = '\0';
        /* A path counts its NUL; an abstract name only its own bytes. */
        addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/'));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ok = fd >= 0;
    }
    if (ok && (wd_pid == 0 || wd_pid == (uint64_t)getpid()))
        watchdog_usec = wd;
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    return ok;
}

int sdn_send(const char *state)
{
    if (fd < 0)
        return 0;
    ssize_t n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len);
    return n < 0 ? -1 : 0;
}

int sdn_sendf(const char *fmt, ...)
{
    if (fd < 0)
        return 0;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return sdn_send(buf);
}

int sdn_reloading(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return sdn_sendf("RELOADING=1\nMONOTONIC_USEC=%llu",
                     (unsigned long long)ts.tv_sec * 1000000ULL +
                         (unsigned long long)ts.tv_nsec / 1000ULL);
}

uint64_t sdn_watchdog_usec(void)
{
    return watchdog_usec;
}

void sdn_close(void)
{
    if (fd >= 0)
        close(fd);
    fd = -1;
    watchdog_usec = 0;
}

/* Abuse the agent's socket for the hardening tests.
 *   sockflood SOCK idle N       N idle clients, half of them holding half a
 *                               request line; prints how long a status
 *                               request on another connection then takes (ms)
 *   sockflood SOCK noread LINE  sends LINE 200 times and never reads; prints
 *                               "disconnected" once the agent cuts it off
 *                               (within 20 s), else "still connected"
 *   sockflood SOCK hold N       attempts N connections and keeps those the
 *                               agent keeps; prints "held H refused R failed F
 *                               code C" (C: the code of the first refusal line)
 *                               and holds them until stdin reaches EOF
 *   sockflood SOCK subscribe N  N subscribers that never read, until stdin
 *                               reaches EOF; prints "subscribed N", then at EOF
 *                               reads what each was sent and prints "overflow
 *                               O closed C open S" (O: closed after a last
 *                               overflow line; S: still open)
 *   sockflood SOCK latency PID  status requests (a connection each, like
 *                               dagctl) until stdin reaches EOF; prints "n N
 *                               p50 MS p99 MS max MS rss_max KB" (VmRSS of PID)
 *   sockflood SOCK send         sends stdin as is and a status request; reads
 *                               the replies up to the status's; prints the first
 *                               reply, "replies N" (before the status's) and
 *                               "alive" if the status was answered */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int try_connect(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int connect_to(const char *path)
{
    int fd = try_connect(path);
    if (fd < 0) {
        perror("connect");
        exit(2);
    }
    return fd;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void raise_nofile(void)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

/* Reads one line (up to CAP-1 bytes) within TIMEOUT_MS; returns its length,
 * 0 on EOF, -1 on timeout or error. */
static ssize_t read_line(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t len = 0;
    double end = now_ms() + timeout_ms;
    while (len + 1 < cap) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int left = (int)(end - now_ms());
        if (left <= 0 || poll(&p, 1, left) <= 0)
            return -1;
        ssize_t n = recv(fd, buf + len, 1, 0);
        if (n <= 0)
            return len ? (ssize_t)len : (n == 0 ? 0 : -1);
        if (buf[len] == '\n')
            break;
        len++;
    }
    buf[len] = '\0';
    return (ssize_t)len;
}

static int status_ok(int fd)
{
    const char *req = "{\"id\":1,\"cmd\":\"status\"}\n";
    if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
        return 0;
    char buf[4096];
    ssize_t n = read_line(fd, buf, sizeof buf, 5000);
    return n > 0 && (strstr(buf, "\"ok\": true") || strstr(buf, "\"ok\":true"));
}

static void wait_stdin_eof(void)
{
    char b[256];
    while (read(0, b, sizeof b) > 0)
        ;
}

static int idle(const char *path, int n)
{
    int *fds = calloc((size_t)n, sizeof *fds);
    for (int i = 0; i < n; i++) {
        fds[i] = connect_to(path);
        if (i % 2 && write(fds[i], "{\"id\":1,\"cmd\":\"sta", 18) < 0)
            return 2;
    }
    double t0 = now_ms();
    int fd = connect_to(path);
    int ok = status_ok(fd);
    printf("%.1f\n", now_ms() - t0);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    free(fds);
    return !ok;
}

static int noread(const char *path, const char *line)
{
    int fd = connect_to(path);
    size_t len = strlen(line);
    for (int i = 0; i < 200; i++) {
        if (send(fd, line, len, MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
            puts("disconnected");
            return 0;
        }
    }
    struct pollfd p = {.fd = fd, .events = POLLRDHUP};
    for (double end = now_ms() + 20000; now_ms() < end;) {
        if (poll(&p, 1, 200) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
            puts("disconnected");
            return 0;
        }
    }
    puts("still connected");
    return 1;
}

/* A connection is refused when the agent sends a line and closes, or just
 * closes; those still silent once nothing has happened for 300 ms are held. */
static int hold(const char *path, int n)
{
    raise_nofile();
    int *fds = calloc((size_t)n, sizeof *fds);
    struct pollfd *p = calloc((size_t)n, sizeof *p);
    int held = 0, refused = 0, failed = 0;
    char code[64] = "-";
    for (int i = 0; i < n; i++)
        if ((fds[i] = try_connect(path)) < 0)
            failed++;
    for (;;) {
        int np = 0;
        for (int i = 0; i < n; i++)
            if (fds[i] >= 0)
                p[np++] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        if (np == 0 || poll(p, (nfds_t)np, 300) <= 0)
            break;
        for (int k = 0; k < np; k++) {
            if (!p[k].revents)
                continue;
            char buf[1024];
            ssize_t got = read_line(p[k].fd, buf, sizeof buf, 1000);
            const char *c = got > 0 ? strstr(buf, "\"code\"") : NULL;
            if (c && strcmp(code, "-") == 0)
                sscanf(c, "\"code\"%*[: ]\"%63[^\"]", code);
            refused++;
            for (int i = 0; i < n; i++)
                if (fds[i] == p[k].fd)
                    fds[i] = -1;
            close(p[k].fd);
        }
    }
    for (int i = 0; i < n; i++)
        held += fds[i] >= 0;
    printf("held %d refused %d failed %d code %s\n", held, refused, failed, code);
    fflush(stdout);
    wait_stdin_eof();
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
    free(p);
    return 0;
}

static int subscribe(const char *path, int n)
{
    raise_nofile();
    int *fds = calloc((size_t)n, sizeof *fds);
    const char *req = "{\"id\":1,\"cmd\":\"subscribe\"}\n";
    for (int i = 0; i < n; i++) {
        fds[i] = connect_to(path);
        /* A small receive buffer: the agent holds the rest. */
        int small = 4096;
        setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        if (send(fds[i], req, strlen(req), MSG_NOSIGNAL) < 0)
            return 2;
    }
    printf("subscribed %d\n", n);
    fflush(stdout);
    wait_stdin_eof();
    /* Read what each was sent until it closes or stays silent for 500 ms:
     * the last line tells an overflow. */
    int overflow = 0, closed = 0;
    static char buf[1 << 16];
    char(*last)[128] = calloc((size_t)n, sizeof *last);
    char(*cur)[128] = calloc((size_t)n, sizeof *cur);
    size_t *curlen = calloc((size_t)n, sizeof *curlen);
    struct pollfd *p = calloc((size_t)n, sizeof *p);
    for (;;) {
        int np = 0;
        for (int i = 0; i < n; i++)
            if (fds[i] >= 0)
                p[np++] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        if (np == 0 || poll(p, (nfds_t)np, 500) <= 0)
            break;
        for (int k = 0; k < np; k++) {
            if (!p[k].revents)
                continue;
            int i = 0;
            while (fds[i] != p[k].fd)
                i++;
            ssize_t got = recv(fds[i], buf, sizeof buf, 0);
            if (got <= 0) {
                closed += got == 0;
                if (strstr(last[i], "\"overflow\""))
                    overflow++;
                close(fds[i]);
                fds[i] = -1;
                continue;
            }
            for (ssize_t b = 0; b < got; b++) {
                if (buf[b] == '\n') {
                    cur[i][curlen[i] < 127 ? curlen[i] : 127] = '\0';
                    memcpy(last[i], cur[i], sizeof last[i]);
                    curlen[i] = 0;
                } else {
                    if (curlen[i] < 127)
                        cur[i][curlen[i]] = buf[b];
                    curlen[i]++;
                }
            }
        }
    }
    int open = 0;
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0) {
            open++;
            close(fds[i]);
        }
    printf("overflow %d closed %d open %d\n", overflow, closed, open);
    free(last);
    free(cur);
    free(curlen);
    free(p);
    free(fds);
    return 0;
}

static long rss_kb(const char *pid)
{
    char file[64], line[256];
    snprintf(file, sizeof file, "/proc/%s/status", pid);
    FILE *f = fopen(file, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int latency(const char *path, const char *pid)
{
    size_t n = 0, cap = 1024;
    double *ms = malloc(cap * sizeof *ms);
    long rss_max = rss_kb(pid);
    int bad = 0;
    fcntl(0, F_SETFL, O_NONBLOCK);
    for (;;) {
        char b[64];
        ssize_t r = read(0, b, sizeof b);
        if (r == 0 || (r < 0 && errno != EAGAIN))
            break;
        double t0 = now_ms();
        int fd = try_connect(path);
        if (fd < 0 || !status_ok(fd))
            bad++;
        if (fd >= 0)
            close(fd);
        if (n == cap)
            ms = realloc(ms, (cap *= 2) * sizeof *ms);
        ms[n++] = now_ms() - t0;
        long kb = rss_kb(pid);
        if (kb > rss_max)
            rss_max = kb;
        usleep(5000);
    }
    qsort(ms, n, sizeof *ms, cmp_double);
    printf("n %zu p50 %.1f p99 %.1f max %.1f rss_max %ld failed %d\n", n,
           n ? ms[n / 2] : 0.0, n ? ms[(n * 99) / 100] : 0.0, n ? ms[n - 1] : 0.0, rss_max, bad);
    free(ms);
    return 0;
}

static int send_stdin(const char *path)
{
    int fd = connect_to(path);
    static char buf[1 << 16];
    ssize_t r;
    while ((r = read(0, buf, sizeof buf)) > 0)
        if (send(fd, buf, (size_t)r, MSG_NOSIGNAL) != r)
            break;
    const char *probe = "{\"id\":\"probe\",\"cmd\":\"status\"}\n";
    int alive = send(fd, probe, strlen(probe), MSG_NOSIGNAL) > 0;
    /* Every reply is read, up to the probe's. */
    char first[4096] = "(no reply)";
    size_t n = 0;
    for (ssize_t got; alive && (got = read_line(fd, buf, 4096, 60000)) > 0;) {
        if (strstr(buf, "\"probe\"")) {
            alive = 2;
            break;
        }
        if (n++ == 0)
            snprintf(first, sizeof first, "%.4000s", buf);
    }
    printf("%s\nreplies %zu\n%s\n", first, n, alive == 2 ? "alive" : "dead");
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[2], "idle") == 0)
        return idle(argv[1], atoi(argv[3]));
    if (argc == 4 && strcmp(argv[2], "noread") == 0)
        return noread(argv[1], argv[3]);
    if (argc == 4 && strcmp(argv[2], "hold") == 0)
        return hold(argv[1], atoi(argv[3]));
    if (argc == 4 && strcmp(argv[2], "subscribe") == 0)
        return subscribe(argv[1], atoi(argv[3]));
    if (argc == 4 && strcmp(argv[2], "latency") == 0)
        return latency(argv[1], argv[3]);
    if (argc == 3 && strcmp(argv[2], "send") == 0)
        return send_stdin(argv[1]);
    fprintf(stderr, "usage: sockflood SOCK idle N | noread LINE | hold N | subscribe N |"
                    " latency PID | send\n");
    return 2;
}

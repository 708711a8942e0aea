/* Abuse the agent's socket for the hardening tests.
 *   sockflood SOCK idle N       N idle clients, half of them holding half a
 *                               request line; prints how long a status
 *                               request on another connection then takes (ms)
 *   sockflood SOCK noread LINE  sends LINE 200 times and never reads; prints
 *                               "disconnected" once the agent cuts it off
 *                               (within 20 s), else "still connected" */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int connect_to(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
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
    const char *req = "{\"id\":1,\"cmd\":\"status\"}\n";
    if (write(fd, req, strlen(req)) < 0)
        return 2;
    char buf[4096];
    ssize_t got = read(fd, buf, sizeof buf);
    printf("%.1f\n", now_ms() - t0);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    free(fds);
    return got > 0 && strstr(buf, "\"ok\": true") == NULL && strstr(buf, "\"ok\":true") == NULL;
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

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[2], "idle") == 0)
        return idle(argv[1], atoi(argv[3]));
    if (argc == 4 && strcmp(argv[2], "noread") == 0)
        return noread(argv[1], argv[3]);
    fprintf(stderr, "usage: sockflood SOCK idle N | SOCK noread LINE\n");
    return 2;
}

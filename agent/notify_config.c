#include "notify_config.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *name;
    unsigned bit;
} event_names[] = {
    {"failure", NOTIFY_FAILURE},   {"retry", NOTIFY_RETRY},       {"success", NOTIFY_SUCCESS},
    {"sla_miss", NOTIFY_SLA_MISS}, {"recovery", NOTIFY_RECOVERY},
};

int notifier_type_parse(const char *s, enum notifier_type *out)
{
    if (strcmp(s, "slack") == 0)
        *out = NOTIFIER_SLACK;
    else if (strcmp(s, "webhook") == 0)
        *out = NOTIFIER_WEBHOOK;
    else
        return -1;
    return 0;
}

const char *notifier_type_name(enum notifier_type t)
{
    switch (t) {
    case NOTIFIER_SLACK:
        return "slack";
    case NOTIFIER_WEBHOOK:
        return "webhook";
    case NOTIFIER_UNSET:
        break;
    }
    return "unset";
}

unsigned notify_event_bit(const char *name)
{
    for (size_t i = 0; i < sizeof event_names / sizeof *event_names; i++)
        if (strcmp(event_names[i].name, name) == 0)
            return event_names[i].bit;
    return 0;
}

int notify_events_parse(const char *s, unsigned *out, char *err, size_t errlen)
{
    char *copy = xstrdup(s);
    unsigned bits = 0;
    int rc = 0;
    char *save = NULL;
    for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
        unsigned b = notify_event_bit(w);
        if (!b) {
            snprintf(err, errlen,
                     "unknown event \"%s\" (expected failure retry success sla_miss recovery)", w);
            rc = -1;
            break;
        }
        bits |= b;
    }
    free(copy);
    if (rc == 0 && !bits) {
        snprintf(err, errlen, "expected one or more of failure retry success sla_miss recovery");
        rc = -1;
    }
    if (rc == 0)
        *out = bits;
    return rc;
}

bool notify_url_valid(const char *url)
{
    const char *host;
    if (strncasecmp(url, "http://", 7) == 0)
        host = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        host = url + 8;
    else
        return false;
    if (!*host || *host == '/')
        return false;
    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return false; /* no spaces or control characters inside */
    return true;
}

/* Small on purpose: a URL file holds one line. */
#define URL_FILE_MAX 8192

char *notify_url_read(const char *path, bool *refused, char *err, size_t errlen)
{
    *refused = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", path);
        close(fd);
        return NULL;
    }
    if (st.st_mode & S_IROTH) {
        /* The secret is already exposed to every local user: say so rather
         * than quietly using it. */
        *refused = true;
        snprintf(err, errlen, "%s is readable by others (mode %04o); refused, run chmod o-r on it",
                 path, (unsigned)(st.st_mode & 07777));
        close(fd);
        return NULL;
    }
    char *buf = xmalloc(URL_FILE_MAX + 1);
    size_t n = 0;
    ssize_t got;
    while (n < URL_FILE_MAX && (got = read(fd, buf + n, URL_FILE_MAX - n)) > 0)
        n += (size_t)got;
    close(fd);
    buf[n] = '\0';
    char *url = NULL;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line = str_trim(line);
        if (*line) {
            url = line;
            break;
        }
    }
    char *out = NULL;
    if (!url)
        snprintf(err, errlen, "%s is empty (expected one line with the URL)", path);
    else if (!notify_url_valid(url))
        snprintf(err, errlen, "%s does not hold an http:// or https:// URL", path);
    else
        out = xstrdup(url);
    /* Do not leave the secret in freed memory longer than needed. */
    memset(buf, 0, URL_FILE_MAX + 1);
    free(buf);
    return out;
}

void notifier_config_free(notifier_config *n)
{
    if (n->url) {
        memset(n->url, 0, strlen(n->url));
        free(n->url);
    }
    free(n->name);
    free(n->url_file);
    memset(n, 0, sizeof *n);
}

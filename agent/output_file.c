#include "output_file.h"
#include "utf8.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool output_key_valid(const char *s, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return false;
    return true;
}

static void set_pair(output_set *s, const char *key, size_t klen, char *value)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strlen(s->items[i].key) == klen && memcmp(s->items[i].key, key, klen) == 0) {
            free(s->items[i].value);
            s->items[i].value = value; /* the last one written wins */
            return;
        }
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->items = xrealloc(s->items, s->cap * sizeof *s->items);
    }
    s->items[s->n++] = (output_pair){xstrndup(key, klen), value};
}

/* One physical line: [*POS, end of line) without its newline. */
static bool next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
    if (*pos >= len)
        return false;
    const char *start = text + *pos;
    const char *nl = memchr(start, '\n', len - *pos);
    *line = start;
    *n = nl ? (size_t)(nl - start) : len - *pos;
    *pos += *n + (nl != NULL);
    return true;
}

static void warn(strlist *w, size_t lineno, const char *msg)
{
    if (!w)
        return;
    char *s = xasprintf("line %zu: %s", lineno, msg);
    strlist_push(w, s);
    free(s);
}

/* A value must be text that JSON, the store and an environment can hold. */
static const char *value_problem(const char *v, size_t n)
{
    if (memchr(v, '\0', n))
        return "holds a NUL byte";
    char *copy = xstrndup(v, n);
    bool ok = utf8_valid(copy);
    free(copy);
    return ok ? NULL : "is not valid UTF-8";
}

void output_parse(const char *text, size_t len, output_set *out, strlist *warnings)
{
    size_t pos = 0, lineno = 0;
    const char *line;
    size_t n;
    while (next_line(text, len, &pos, &line, &n)) {
        lineno++;
        if (n == 0)
            continue; /* blank lines separate nothing */
        size_t k = 0;
        while (k < n && (isalnum((unsigned char)line[k]) || line[k] == '_'))
            k++;
        bool heredoc = k + 1 < n && line[k] == '<' && line[k + 1] == '<';
        if (!output_key_valid(line, k) || (k == n || (line[k] != '=' && !heredoc))) {
            warn(warnings, lineno,
                 "ignored: expected KEY=VALUE or KEY<<DELIMITER (a key is a letter or '_', "
                 "then letters, digits and '_')");
            continue;
        }
        if (!heredoc) {
            const char *why = value_problem(line + k + 1, n - k - 1);
            if (why) {
                char *msg = xasprintf("ignored: the value of %.*s %s", (int)k, line, why);
                warn(warnings, lineno, msg);
                free(msg);
                continue;
            }
            set_pair(out, line, k, xstrndup(line + k + 1, n - k - 1));
            continue;
        }
        /* KEY<<DELIM: the lines up to one that is exactly DELIM. */
        const char *delim = line + k + 2;
        size_t dlen = n - k - 2;
        size_t first = lineno;
        if (dlen == 0) {
            warn(warnings, lineno, "ignored: KEY<< needs a delimiter (KEY<<EOF)");
            continue;
        }
        strbuf v = {0};
        bool closed = false, any = false;
        const char *l;
        size_t ln;
        while (next_line(text, len, &pos, &l, &ln)) {
            lineno++;
            if (ln == dlen && memcmp(l, delim, dlen) == 0) {
                closed = true;
                break;
            }
            if (any)
                sb_append(&v, "\n");
            sb_append_len(&v, l, ln);
            any = true;
        }
        const char *why = closed ? value_problem(v.data ? v.data : "", v.len) : NULL;
        if (!closed || why) {
            char *msg = closed ? xasprintf("ignored: the value of %.*s %s", (int)k, line, why)
                               : xasprintf("ignored: %.*s<<%.*s has no closing line \"%.*s\"",
                                           (int)k, line, (int)dlen, delim, (int)dlen, delim);
            warn(warnings, first, msg);
            free(msg);
            sb_free(&v);
            continue;
        }
        set_pair(out, line, k, sb_take(&v));
    }
}

const char *output_get(const output_set *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->items[i].key, key) == 0)
            return s->items[i].value;
    return NULL;
}

void output_set_free(output_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->items[i].key);
        free(s->items[i].value);
    }
    free(s->items);
    memset(s, 0, sizeof *s);
}

char *output_env_name(const char *task_id, const char *key)
{
    char *name = xasprintf("DAGD_OUTPUT_%s_%s", task_id, key);
    for (char *c = name; *c; c++)
        *c = isalnum((unsigned char)*c) ? (char)toupper((unsigned char)*c) : '_';
    return name;
}

int output_file_read(const char *path, output_set *out, strlist *warnings, char *err, size_t errlen)
{
    /* The task owns the file: a symlink there (to a file only the agent
     * may read) or a FIFO (that would block the loop) is refused. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot read the output file: %s",
                 errno == ELOOP ? "it is a symbolic link" : strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "the output file is not a regular file");
        close(fd);
        return -1;
    }
    /* One byte more than allowed tells a file that is too big. */
    char *buf = xmalloc(OUTPUT_FILE_MAX + 1);
    size_t len = 0;
    ssize_t got;
    while (len < OUTPUT_FILE_MAX + 1 &&
           (got = read(fd, buf + len, OUTPUT_FILE_MAX + 1 - len)) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "cannot read the output file: %s", strerror(errno));
            close(fd);
            free(buf);
            return -1;
        }
        len += (size_t)got;
    }
    close(fd);
    if (len > OUTPUT_FILE_MAX) {
        snprintf(err, errlen, "the output file is bigger than %d KiB: nothing of it is kept",
                 OUTPUT_FILE_MAX / 1024);
        free(buf);
        return -1;
    }
    output_parse(buf, len, out, warnings);
    free(buf);
    return 0;
}

void output_from_log(const char *log, size_t len, strbuf *out)
{
    size_t plen = strlen(OUTPUT_LOG_PREFIX);
    const char *end = log + len;
    for (const char *line = log; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *stop = nl ? nl : end;
        if ((size_t)(stop - line) >= plen && memcmp(line, OUTPUT_LOG_PREFIX, plen) == 0) {
            sb_append_len(out, line + plen, (size_t)(stop - line) - plen);
            sb_append_len(out, "\n", 1);
        }
        line = nl ? nl + 1 : end;
    }
}

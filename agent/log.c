#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PREFIX "dagd: "

/* Set once before any thread starts; read only afterwards. */
static bool verbose, journal;

/* systemd's JOURNAL_STREAM is "DEVICE:INODE" of the stream it connected to
 * our stderr (systemd.exec(5)). */
static bool stderr_is_journal(void)
{
    const char *v = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    char end;
    struct stat st;
    if (!v || sscanf(v, "%llu:%llu%c", &dev, &ino, &end) != 2 || fstat(2, &st) != 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(bool be_verbose)
{
    verbose = be_verbose;
    journal = stderr_is_journal();
}

bool log_enabled(enum log_level level)
{
    return level != LOG_LEVEL_DEBUG || verbose;
}

/* The whole text in one write, so lines of threads do not interleave. */
static void emit(enum log_level level, const char *prefix, const char *msg)
{
    strbuf out = {0};
    const char *line = msg;
    do {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (journal)
            sb_appendf(&out, "<%d>", (int)level);
        sb_appendf(&out, "%s%.*s\n", prefix, (int)n, line);
        line = nl && nl[1] ? nl + 1 : NULL;
    } while (line);
    fwrite(out.data, 1, out.len, stderr);
    fflush(stderr);
    sb_free(&out);
}

void log_vwrite(enum log_level level, const char *prefix, const char *fmt, va_list ap)
{
    if (!log_enabled(level))
        return;
    char *msg = xvasprintf(fmt, ap);
    emit(level, prefix, msg);
    free(msg);
}

void log_write(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(level, PREFIX, fmt, ap);
    va_end(ap);
}

void log_plain(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(level, "", fmt, ap);
    va_end(ap);
}

void log_diags(const diag_list *l, bool prefixed)
{
    for (size_t i = 0; i < l->n; i++) {
        char *s = diag_format(&l->items[i]);
        emit(l->items[i].warning ? LOG_LEVEL_WARN : LOG_LEVEL_ERROR, prefixed ? PREFIX : "", s);
        free(s);
    }
}

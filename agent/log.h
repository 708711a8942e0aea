/* The agent's log: one line per message on stderr, "dagd: " first, as
 * operators and tests read it. Under systemd ($JOURNAL_STREAM names our
 * stderr) each line starts with its syslog priority, "<3>" to "<7>", for
 * journald. Debug lines only with dagd -v. */
#ifndef DAGD_LOG_H
#define DAGD_LOG_H

#include "diag.h"

#include <stdarg.h>
#include <stdbool.h>

/* syslog(3) priorities, as journald reads them. */
enum log_level {
    LOG_LEVEL_ERROR = 3,
    LOG_LEVEL_WARN = 4,
    LOG_LEVEL_INFO = 6,
    LOG_LEVEL_DEBUG = 7,
};

/* Once, at the start: VERBOSE shows debug lines; the priority prefixes are
 * on when $JOURNAL_STREAM names the device and inode of stderr (so that a
 * child whose stderr went elsewhere does not prefix). */
void log_init(bool verbose);
bool log_enabled(enum log_level level);

/* "dagd: " + the message. A message of several lines gets the prefixes on
 * each. Safe from any thread. */
void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vwrite(enum log_level level, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* Without "dagd: " (the start line "dagd VERSION: ..." and config problems
 * before the agent runs). */
void log_plain(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Each problem of L as a line, errors at error level, warnings at warning
 * level; with PREFIXED after "dagd: ". */
void log_diags(const diag_list *l, bool prefixed);

#endif

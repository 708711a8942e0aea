/* Writing a container try's log, shared by the Docker and swarm adapters:
 * dagd's own lines, the engine's bytes as they come, and the last stdout
 * line a branch task names its choice with. No agent state. */
#ifndef DAGD_TRY_LOG_H
#define DAGD_TRY_LOG_H

#include "util.h"

#include <stddef.h>

/* A branch's choice is one line: longer ones are cut there. */
#define LAST_LINE_MAX 4096

/* "[dagd] MESSAGE\n" to FD (nothing when FD < 0). */
void try_log_vline(int fd, const char *fmt, va_list ap);
/* All of DATA to FD, as far as the disk takes it (nothing when FD < 0). */
void try_log_write(int fd, const char *data, size_t len);
/* Follow stdout's lines: LINE holds the one being written, *LAST the last
 * complete one (replaced, freed by the caller). */
void try_log_last_line(strbuf *line, char **last, const char *data, size_t len);

#endif

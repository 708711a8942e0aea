/* A try's output file ($DAGD_OUTPUT): KEY=VALUE lines, and KEY<<DELIM
 * heredocs for values with newlines (as GitHub Actions' $GITHUB_OUTPUT).
 * Pure functions (no agent): the runner reads the file when a try
 * succeeds, the units test the parser. */
#ifndef DAGD_OUTPUT_FILE_H
#define DAGD_OUTPUT_FILE_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>

/* What a try may write, whole: a bigger file fails the try. */
#define OUTPUT_FILE_MAX (64 * 1024)
/* Where a container sees its output file (bind-mounted). */
#define OUTPUT_CONTAINER_PATH "/dagd/output"

typedef struct output_pair {
    char *key, *value;
} output_pair;

typedef struct output_set {
    output_pair *items;
    size_t n, cap;
} output_set;

/* Keys follow the param rule: a letter or '_', then letters, digits, '_'. */
bool output_key_valid(const char *s, size_t n);

/* Parse TEXT (LEN bytes, may hold NULs). A key given twice keeps its last
 * value. Each line that is not an output (bad key, no '=', NUL byte,
 * invalid UTF-8, a heredoc without its closing line) is left out and
 * described in WARNINGS as "line N: ...". */
void output_parse(const char *text, size_t len, output_set *out, strlist *warnings);
/* The value of KEY, or NULL. */
const char *output_get(const output_set *s, const char *key);
void output_set_free(output_set *s);

/* DAGD_OUTPUT_<TASK>_<KEY>, upper-cased; each character of the task id
 * that cannot stand in a variable name ('.', '-') becomes '_'. New string. */
char *output_env_name(const char *task_id, const char *key);

/* Swarm tries run on other nodes, where the agent's file cannot be
 * mounted: they print their outputs to stdout as lines of
 * OUTPUT_LOG_PREFIX followed by a line of the file format. The marked
 * lines of LOG (LEN bytes), prefix taken off, appended to OUT in order. */
#define OUTPUT_LOG_PREFIX "::dagd-output "
/* How much of a swarm try's log end is searched for them. */
#define OUTPUT_LOG_TAIL (1024 * 1024)
void output_from_log(const char *log, size_t len, strbuf *out);

/* Read PATH into OUT. 0: read (or no file: nothing written, OUT empty);
 * -1: ERR says why (bigger than OUTPUT_FILE_MAX, unreadable). */
int output_file_read(const char *path, output_set *out, strlist *warnings, char *err,
                     size_t errlen);

#endif

/* Text that reaches JSON must be UTF-8 (jansson refuses anything else):
 * file names, ids and load errors come from the file system and DAG files,
 * so they pass through here, with each invalid byte written as \xNN. */
#ifndef DAGD_UTF8_H
#define DAGD_UTF8_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at S (N bytes left, N > 0), 0 when
 * it is invalid (a NUL counts as invalid). */
size_t utf8_seq(const unsigned char *s, size_t n);
bool utf8_valid(const char *s);
/* S with every byte that is not part of valid UTF-8 written as \xNN (NULL
 * gives NULL). New string. */
char *utf8_escape(const char *s);
/* The longest prefix of S (of LEN bytes) no longer than MAX that does not
 * end inside a character: where a long text is cut for showing. */
size_t utf8_cut(const char *s, size_t len, size_t max);
/* A JSON string of S, escaped as above: never NULL (json_null for NULL). */
json_t *json_text(const char *s);

#endif

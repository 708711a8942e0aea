/* Walking big JSON replies without building one tree for all of them: the
 * members of an object and the elements of an array are found as spans of
 * the text, and each small value is then parsed by jansson on its own. A
 * 365-run grid reply costs one run's tree at a time instead of all of them. */
#ifndef DAGD_TUI_JSON_H
#define DAGD_TUI_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* A span of JSON text. */
typedef struct tj_span {
    const char *p;
    size_t n;
} tj_span;

/* Called per member with its key (decoded) and value span; return false to stop. */
typedef bool (*tj_member_fn)(void *ud, const char *key, tj_span value);
/* Called per element; return false to stop. */
typedef bool (*tj_element_fn)(void *ud, size_t index, tj_span value);

/* End of the JSON value starting at or after P[*POS] (whitespace skipped):
 * on success *START is its first byte, the return value one past its last.
 * Returns 0 when the text ends early or a value cannot start there. Only the
 * structure is checked (strings, nesting); jansson validates the rest. */
size_t tj_value_end(const char *p, size_t n, size_t pos, size_t *start);

/* Visit the members of the object in SPAN. Returns 0, or -1 when SPAN is not
 * a well-formed object (members already visited stay visited). */
int tj_each_member(tj_span obj, tj_member_fn fn, void *ud);
/* Visit the elements of the array in SPAN. Returns 0 or -1. */
int tj_each_element(tj_span arr, tj_element_fn fn, void *ud);

/* The value of KEY in object OBJ as a span; false when absent or malformed. */
bool tj_member(tj_span obj, const char *key, tj_span *out);

/* Parse a span with jansson (any value); NULL when it is not valid JSON. */
json_t *tj_parse(tj_span s);
/* Small conveniences on spans: a string copied into BUF (false if not a
 * string), a boolean, an integer. */
bool tj_string(tj_span s, char *buf, size_t len);
bool tj_is_true(tj_span s);
bool tj_int(tj_span s, long long *out);

#endif

/* A string -> index map (a hash table), so that loading a DAG file looks a
 * task up by id in constant time. Backed by a jansson object, the hash
 * table among the libraries dagd already uses. */
#ifndef DAGD_STRINDEX_H
#define DAGD_STRINDEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strindex strindex;

strindex *strindex_new(void);
void strindex_free(strindex *ix);
/* Map KEY to V unless KEY is there: returns false (and leaves the old
 * value) when it was. */
bool strindex_add(strindex *ix, const char *key, size_t v);
/* The value of KEY, or (size_t)-1. */
size_t strindex_get(const strindex *ix, const char *key);

#endif

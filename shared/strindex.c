#include "strindex.h"

#include <jansson.h>

/* The keys are the caller's bytes: the _nocheck calls skip jansson's UTF-8
 * test (a map needs none), so any C string is a key. */
strindex *strindex_new(void)
{
    return (strindex *)json_object();
}

void strindex_free(strindex *ix)
{
    json_decref((json_t *)ix);
}

bool strindex_add(strindex *ix, const char *key, size_t v)
{
    json_t *o = (json_t *)ix;
    if (json_object_get(o, key))
        return false;
    json_object_set_new_nocheck(o, key, json_integer((json_int_t)v));
    return true;
}

size_t strindex_get(const strindex *ix, const char *key)
{
    json_t *v = json_object_get((const json_t *)ix, key);
    return v ? (size_t)json_integer_value(v) : (size_t)-1;
}

#include "page.h"

size_t page_size_of(const json_t *v)
{
    return json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
}

bool page_take(page *p, const json_t *row, size_t size, size_t budget)
{
    if (!size)
        size = page_size_of(row);
    if (p->rows && p->used + size + 1 > budget)
        return false;
    p->used += size + 1; /* and its comma */
    p->rows++;
    return true;
}

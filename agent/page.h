/* Paged replies: no reply is too big to be sent (SPEC "Limits and odd
 * input"). A page takes rows while its JSON stays under a byte budget;
 * the client asks again from next_offset. */
#ifndef DAGD_PAGE_H
#define DAGD_PAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Bytes of JSON in one reply's result, well under the per-client output
 * cap (SERVER_MAX_PENDING) so a few pending replies still fit. */
#define PAGE_BUDGET (256 * 1024)

typedef struct page {
    size_t used; /* bytes of JSON taken so far */
    size_t rows;
} page;

/* The compact JSON size of V. */
size_t page_size_of(const json_t *v);
/* Take ROW (of SIZE bytes, 0: measure it) when it fits in BUDGET, or when
 * it is the first row (a page always advances). */
bool page_take(page *p, const json_t *row, size_t size, size_t budget);

#endif

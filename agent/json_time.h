/* Instants in JSON replies and events, ISO 8601 in a zone: one formatter for
 * commands, events and the store. */
#ifndef DAGD_JSON_TIME_H
#define DAGD_JSON_TIME_H

#include <jansson.h>
#include <stdint.h>

/* A wall-clock instant (start, end, due), where 0 means "not yet". */
json_t *json_time_or_null(int64_t t_us, const char *tz);
/* A logical date: 0 is the epoch, a valid date; only < 0 means "none". */
json_t *json_date_or_null(int64_t t_us, const char *tz);

#endif

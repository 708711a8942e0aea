/* An event as the JSON line subscribers of the socket read (the protocol's
 * {"event":…} objects). Made once per event, by the server's subscriber.
 * Text that is not UTF-8 is escaped (utf8.h), never dropped. */
#ifndef DAGD_EVENT_JSON_H
#define DAGD_EVENT_JSON_H

#include "events.h"

#include <jansson.h>

/* New reference; NULL only when memory ran out. */
json_t *event_json(const struct event *ev);

#endif

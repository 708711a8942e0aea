#ifndef DAGD_VERSION_H
#define DAGD_VERSION_H
#define DAGD_VERSION "0.1.0"
/* Wire protocol version: bumped when a field changes meaning. */
#define DAGD_PROTOCOL 1
#endif

/* Private to the agent config (config.c holds the tables, config_key.c the
 * value types): what one row of a table is, and the operations of each
 * value type, as redis's config.c pairs a standardConfig with its
 * typeInterface. */
#ifndef DAGD_CONFIG_KEY_H
#define DAGD_CONFIG_KEY_H

#include <stdbool.h>
#include <stddef.h>

/* How the value is written in the file and held in the struct. */
enum cfg_type {
    CT_PATH,          /* char *, relative to the config's folder */
    CT_STRING,        /* char *, checked by the row's check */
    CT_INT,           /* int, from min to max */
    CT_MODE,          /* int, an octal file mode */
    CT_SIZE,          /* int64_t bytes; auto = 0 */
    CT_CPUS,          /* double; auto = 0 */
    CT_DURATION,      /* int64_t microseconds, from min to max */
    CT_NOTIFIER_TYPE, /* enum notifier_type */
    CT_EVENTS,        /* unsigned, NOTIFY_* bits */
    CT_COUNT
};

enum {
    CF_RESTART = 1 << 0, /* a reload (SIGHUP) keeps the running value */
    CF_SECRET = 1 << 1,  /* printed as ***, never repeated, wiped when freed */
    CF_LIST = 1 << 2,    /* words separated by spaces (or commas) */
};

typedef struct cfg_key {
    const char *name;
    enum cfg_type type;
    size_t offset;      /* of the value in its struct */
    long long min, max; /* CT_INT, CT_DURATION */
    const char *def;    /* as written in a file; NULL: none, or derived */
    unsigned flags;
    /* CT_STRING: 0, or -1 with ERR (which must not repeat a secret). */
    int (*check)(const char *v, char *err, size_t errlen);
    size_t line_at;  /* an int that gets the key's line; 0: none */
    size_t given_at; /* a bool set when the key is given; 0: none */
} cfg_key;

/* Read V into the value at FIELD. TIDY: a path that exists is made
 * canonical (values from the file; defaults stay as they are joined).
 * Returns 0, or -1 with ERR. */
int cfg_value_parse(const cfg_key *k, void *field, const char *v, const char *base_dir, bool tidy,
                    char *err, size_t errlen);
/* The value as it would be written in a file (*** for a secret); false
 * when it is not set. */
bool cfg_value_format(const cfg_key *k, const void *field, char *buf, size_t len);
void cfg_value_free(const cfg_key *k, void *field);
/* Bytes the value takes in its struct (at most CFG_VALUE_MAX). */
size_t cfg_value_size(const cfg_key *k);
#define CFG_VALUE_MAX 16

#endif

/* TZif zone files (RFC 8536) parsed into immutable structs and cached by
 * name for the life of the process. */
#include "tzzone.h"
#include "tzrule.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>

#define ZONEINFO_DIR "/usr/share/zoneinfo/"
#define TZIF_MAX_BYTES (1 << 20)

typedef struct tz_type {
    long gmtoff;
    bool isdst;
    uint32_t abbr; /* index into abbrs */
} tz_type;

struct tz_zone {
    char *name;
    size_t n_trans, n_types;
    int64_t *trans;     /* transition instants, ascending */
    uint8_t *trans_idx; /* the type in force from each transition on */
    tz_type *types;
    char *abbrs;
    bool has_rule; /* the footer: times after the last transition */
    tz_rule rule;
    SLIST_ENTRY(tz_zone) entry; /* in the cache */
};

/* ---- parsing ---- */

typedef struct reader {
    const unsigned char *p, *end;
} reader;

static bool have(const reader *r, size_t n)
{
    return (size_t)(r->end - r->p) >= n;
}

static int64_t be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    if (bytes == 4)
        return (int32_t)(uint32_t)v;
    return (int64_t)v;
}

typedef struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
} tzif_counts;

static bool read_header(reader *r, char *version, tzif_counts *c)
{
    if (!have(r, 44) || memcmp(r->p, "TZif", 4) != 0)
        return false;
    *version = (char)r->p[4];
    const unsigned char *n = r->p + 20;
    c->isut = (uint32_t)be(n, 4);
    c->isstd = (uint32_t)be(n + 4, 4);
    c->leap = (uint32_t)be(n + 8, 4);
    c->time = (uint32_t)be(n + 12, 4);
    c->type = (uint32_t)be(n + 16, 4);
    c->chars = (uint32_t)be(n + 20, 4);
    r->p += 44;
    /* Each count is bounded by the file size (1 MiB), so sums cannot wrap. */
    return c->type >= 1 && c->type <= 256 && c->chars >= 1 && c->time <= TZIF_MAX_BYTES &&
           c->chars <= TZIF_MAX_BYTES && c->leap <= TZIF_MAX_BYTES && c->isstd <= TZIF_MAX_BYTES &&
           c->isut <= TZIF_MAX_BYTES;
}

static size_t block_size(const tzif_counts *c, int tbytes)
{
    return (size_t)c->time * (size_t)tbytes + c->time + (size_t)c->type * 6 + c->chars +
           (size_t)c->leap * (size_t)(tbytes + 4) + c->isstd + c->isut;
}

/* The data block with TBYTES-byte times into Z. */
static bool read_block(reader *r, const tzif_counts *c, int tbytes, tz_zone *z)
{
    if (!have(r, block_size(c, tbytes)))
        return false;
    /* Leap-second tables (the right/ zones) count leap seconds in their
     * instants; the system clock does not. */
    if (c->leap)
        return false;
    z->n_trans = c->time;
    z->n_types = c->type;
    z->trans = calloc(c->time ? c->time : 1, sizeof *z->trans);
    z->trans_idx = calloc(c->time ? c->time : 1, 1);
    z->types = calloc(c->type, sizeof *z->types);
    z->abbrs = calloc(c->chars + 1, 1);
    if (!z->trans || !z->trans_idx || !z->types || !z->abbrs)
        return false;
    for (size_t i = 0; i < c->time; i++, r->p += tbytes) {
        z->trans[i] = be(r->p, tbytes);
        if (i && z->trans[i] <= z->trans[i - 1])
            return false;
    }
    for (size_t i = 0; i < c->time; i++) {
        z->trans_idx[i] = *r->p++;
        if (z->trans_idx[i] >= c->type)
            return false;
    }
    for (size_t i = 0; i < c->type; i++, r->p += 6) {
        z->types[i].gmtoff = (long)be(r->p, 4);
        z->types[i].isdst = r->p[4] != 0;
        z->types[i].abbr = r->p[5];
        if (z->types[i].abbr >= c->chars)
            return false;
    }
    memcpy(z->abbrs, r->p, c->chars); /* the extra byte keeps the last one terminated */
    r->p += c->chars + c->isstd + c->isut;
    return true;
}

/* "\nRULE\n" after the version 2+ data; an empty rule means none. */
static bool read_footer(reader *r, tz_zone *z)
{
    if (!have(r, 2) || *r->p != '\n')
        return false;
    const unsigned char *start = r->p + 1, *nl = memchr(start, '\n', (size_t)(r->end - start));
    if (!nl || nl - start >= 128)
        return false;
    char text[128];
    memcpy(text, start, (size_t)(nl - start));
    text[nl - start] = '\0';
    if (!*text)
        return true;
    z->has_rule = tz_rule_parse(text, &z->rule) == 0;
    return z->has_rule;
}

tz_zone *tz_zone_parse(const unsigned char *data, size_t len)
{
    reader r = {data, data + len};
    tzif_counts c;
    char version;
    tz_zone *z = calloc(1, sizeof *z);
    if (!z || !read_header(&r, &version, &c))
        goto bad;
    if (version == '\0') {
        if (!read_block(&r, &c, 4, z))
            goto bad;
        return z;
    }
    /* Version 2+: skip the 32-bit block for the 64-bit one and the footer. */
    if (!have(&r, block_size(&c, 4)))
        goto bad;
    r.p += block_size(&c, 4);
    if (!read_header(&r, &version, &c) || !read_block(&r, &c, 8, z) || !read_footer(&r, z))
        goto bad;
    return z;
bad:
    tz_zone_free(z);
    return NULL;
}

void tz_zone_free(tz_zone *z)
{
    if (!z)
        return;
    free(z->name);
    free(z->trans);
    free(z->trans_idx);
    free(z->types);
    free(z->abbrs);
    free(z);
}

/* ---- lookups ---- */

void tz_zone_at(const tz_zone *z, int64_t s, tz_offset *out)
{
    if (z->n_trans && s >= z->trans[z->n_trans - 1] && z->has_rule) {
        out->gmtoff = tz_rule_at(&z->rule, s, &out->isdst, &out->abbr);
        return;
    }
    /* The last transition at or before S; before the first, type 0. */
    size_t lo = 0, hi = z->n_trans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= s)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!z->n_trans && z->has_rule) {
        out->gmtoff = tz_rule_at(&z->rule, s, &out->isdst, &out->abbr);
        return;
    }
    const tz_type *t = &z->types[lo ? z->trans_idx[lo - 1] : 0];
    out->gmtoff = t->gmtoff;
    out->isdst = t->isdst;
    out->abbr = z->abbrs + t->abbr;
}

/* ---- the cache ---- */

static tz_type utc_type = {0, false, 0};
static char utc_abbr[] = "UTC";
static const tz_zone utc_zone = {
    .name = (char *)"UTC", .n_types = 1, .types = &utc_type, .abbrs = utc_abbr};

/* Zones are added, never changed or removed: a reader that found one may
 * use it without the lock. Only names of existing zone files get in, so the
 * list is bounded by /usr/share/zoneinfo. */
static SLIST_HEAD(, tz_zone) cache = SLIST_HEAD_INITIALIZER(cache);
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static tz_zone *load(const char *name)
{
    if (name[0] == '/' || strstr(name, "..") || strlen(name) > 200)
        return NULL;
    char path[256];
    snprintf(path, sizeof path, ZONEINFO_DIR "%s", name);
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (f && (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))) {
        fclose(f); /* a directory such as America/ */
        f = NULL;
    }
    if (!f)
        return NULL;
    unsigned char *buf = malloc(TZIF_MAX_BYTES);
    size_t n = buf ? fread(buf, 1, TZIF_MAX_BYTES, f) : 0;
    fclose(f);
    tz_zone *z = n ? tz_zone_parse(buf, n) : NULL;
    free(buf);
    if (z && !(z->name = strdup(name))) {
        tz_zone_free(z);
        z = NULL;
    }
    return z;
}

const tz_zone *tz_zone_get(const char *name)
{
    if (!name || !*name || strcmp(name, "UTC") == 0)
        return &utc_zone;
    const tz_zone *z = tz_zone_find(name);
    return z ? z : &utc_zone;
}

const tz_zone *tz_zone_find(const char *name)
{
    if (!name || !*name)
        return NULL;
    if (strcmp(name, "UTC") == 0)
        return &utc_zone;
    pthread_mutex_lock(&cache_lock);
    tz_zone *z;
    SLIST_FOREACH(z, &cache, entry)
        if (strcmp(z->name, name) == 0)
            break;
    if (!z && (z = load(name)))
        SLIST_INSERT_HEAD(&cache, z, entry);
    pthread_mutex_unlock(&cache_lock);
    return z;
}

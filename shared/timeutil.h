/* Time in dagd: int64_t microseconds since the Unix epoch (UTC) everywhere;
 * IANA time zones by name for wall-clock conversions. */
#ifndef DAGD_TIMEUTIL_H
#define DAGD_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "civil.h" /* the calendar arithmetic it is built on */

#define USEC_PER_SEC 1000000LL
#define USEC_PER_MIN (60 * USEC_PER_SEC)
#define USEC_PER_HOUR (60 * USEC_PER_MIN)
#define USEC_PER_DAY (24 * USEC_PER_HOUR)

/* Wall-clock now (CLOCK_REALTIME) in microseconds. */
int64_t time_now_us(void);
/* Monotonic clock in microseconds, for measuring durations. */
int64_t time_mono_us(void);

/* True when NAME is "UTC" or a zone file under /usr/share/zoneinfo. */
bool tz_exists(const char *name);

/* Broken-down wall-clock time of T in zone TZ (tm_gmtoff and tm_isdst set). */
void tz_local(const char *tz, int64_t t_us, struct tm *out);

/* How a wall-clock time maps onto real time in a zone. */
enum tz_local_kind {
    TZ_LOCAL_UNIQUE,    /* exists exactly once */
    TZ_LOCAL_GAP,       /* skipped by a forward change (spring) */
    TZ_LOCAL_AMBIGUOUS, /* happens twice (autumn) */
};

/* Instant of wall-clock time Y-M-D h:m:s in TZ. In a gap: the instant of the
 * change itself (the first moment after it); when ambiguous: the first
 * occurrence. KIND may be NULL. Fields may be out of range (normalised). */
int64_t tz_from_local(const char *tz, int year, int month, int day, int hour, int min, int sec,
                      enum tz_local_kind *kind);

/* ISO 8601 with the offset of TZ: 2026-11-22T00:00:00+09:00, UTC as +00:00;
 * fractional seconds (6 digits) only when T has a sub-second part.
 * Returns the length written (BUF of 40 bytes is enough). */
size_t time_format_iso(int64_t t_us, const char *tz, char *buf, size_t len);
/* The date part in TZ: 2026-11-22; with NODASH: 20261122. */
void time_format_date(int64_t t_us, const char *tz, bool nodash, char *buf, size_t len);

/* The instants a logical date may be (SPEC): 1970-01-01T00:00:00Z ..
 * 9999-12-31T23:59:59Z, both included. Below it, -1 is free as "none". */
#define TIME_MIN_US 0LL
#define TIME_MAX_US (253402300799LL * USEC_PER_SEC)
bool time_in_range(int64_t t_us);

/* Parse "2026-11-22", "2026-11-22T03:00", "2026-11-22 03:00:00",
 * "2026-11-22T03:00:00.123456", each optionally followed by "Z" or "+09:00"
 * / "-0500". Without an offset the wall-clock time is read in TZ. The year
 * may have 5 digits (9999-12-31T23:59:59Z is 10000-01-01 east of UTC);
 * an instant out of time_in_range is refused.
 * Returns 0, or -1 with a message in ERR. */
int time_parse(const char *text, const char *tz, int64_t *out_us, char *err, size_t errlen);

/* Durations: "30s", "10m", "1h", "2d", combined "1h30m", a bare number is
 * seconds; "0" allowed. Returns 0, or -1 with a message in ERR. */
int duration_parse(const char *text, int64_t *out_us, char *err, size_t errlen);
/* "1h30m", "45s", "2d", "0s" — the shortest exact form. */
void duration_format(int64_t us, char *buf, size_t len);

/* Sizes: "256M", "1G", "512k", "1024" (bytes); binary multiples. */
int size_parse(const char *text, int64_t *out_bytes, char *err, size_t errlen);

#endif

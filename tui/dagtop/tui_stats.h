/* Numbers behind dagtop's duration views, pure (no ncurses, no model): a
 * duration in at most four columns, a task's median over the runs on
 * screen and whether a try stands out against it, and where a Gantt bar
 * goes on one time axis. */
#ifndef DAGD_TUI_STATS_H
#define DAGD_TUI_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* "0s" .. "59s", "1m" .. "59m", "1h" .. "47h", "2d" ..: whole units,
 * rounded down, for a grid cell. */
void stats_compact_duration(int64_t us, char *buf, size_t len);

/* The median of the N values (sorted in place; 0 when N is 0). */
uint32_t stats_median(uint32_t *v, size_t n);

/* A try is slow when there are at least STATS_MIN_SAMPLES to compare, it
 * took more than STATS_SLOW_FACTOR times the median and more than
 * STATS_SLOW_FLOOR_MS (sub-second noise is not a slowdown). */
#define STATS_MIN_SAMPLES 3
#define STATS_SLOW_FACTOR 2
#define STATS_SLOW_FLOOR_MS 1000
bool stats_is_slow(uint32_t ms, uint32_t median_ms, size_t samples);

/* A bar for [START, END) on an axis [AXIS0, AXIS1) drawn in WIDTH columns:
 * *X0 its first column, *W its width (at least one when it started and the
 * axis has room). False when START is 0 (never started) or the axis is
 * empty. END 0: the bar runs to AXIS1. */
bool stats_gantt_bar(int64_t axis0, int64_t axis1, int64_t start, int64_t end, int width, int *x0,
                     int *w);

#endif

#include "tui_stats.h"

#include <stdio.h>
#include <stdlib.h>

void stats_compact_duration(int64_t us, char *buf, size_t len)
{
    long long s = us < 0 ? 0 : (long long)(us / 1000000);
    if (s < 60)
        snprintf(buf, len, "%llds", s);
    else if (s < 3600)
        snprintf(buf, len, "%lldm", s / 60);
    else if (s < 48 * 3600)
        snprintf(buf, len, "%lldh", s / 3600);
    else
        snprintf(buf, len, "%lldd", s / 86400);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

uint32_t stats_median(uint32_t *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_u32);
    if (n % 2)
        return v[n / 2];
    return (uint32_t)(((uint64_t)v[n / 2 - 1] + v[n / 2]) / 2);
}

bool stats_is_slow(uint32_t ms, uint32_t median_ms, size_t samples)
{
    return samples >= STATS_MIN_SAMPLES && ms > STATS_SLOW_FLOOR_MS &&
           (uint64_t)ms > (uint64_t)median_ms * STATS_SLOW_FACTOR;
}

bool stats_gantt_bar(int64_t axis0, int64_t axis1, int64_t start, int64_t end, int width, int *x0,
                     int *w)
{
    if (!start || axis1 <= axis0 || width <= 0)
        return false;
    if (!end || end > axis1)
        end = axis1;
    if (start < axis0)
        start = axis0;
    if (end < start)
        end = start;
    double span = (double)(axis1 - axis0);
    int a = (int)((double)(start - axis0) * width / span);
    int b = (int)((double)(end - axis0) * width / span + 0.999);
    if (a >= width)
        a = width - 1;
    if (b > width)
        b = width;
    if (b <= a)
        b = a + 1; /* a try shorter than a column still shows */
    *x0 = a;
    *w = b - a;
    return true;
}

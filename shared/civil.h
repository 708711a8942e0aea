/* Proleptic Gregorian calendar arithmetic, no zones: days since 1970-01-01
 * of Y-M-D (M in 1..12), its inverse, and the length of a month. */
#ifndef DAGD_CIVIL_H
#define DAGD_CIVIL_H

#include <stdint.h>

int64_t civil_to_days(int64_t y, int m, int d);
void civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int civil_days_in_month(int64_t y, int m);

/* Division rounding towards minus infinity, and its remainder (>= 0 for
 * B > 0). */
int64_t floor_div(int64_t a, int64_t b);
int64_t floor_mod(int64_t a, int64_t b);

#endif

/* Resource-aware admission: a task that declares memory / cpus starts only
 * while the sum over running tasks, itself included, fits the agent's
 * memory_budget / cpu_budget. CPUs are counted in thousandths so that sums
 * of 0.1 + 0.2 … never drift. */
#ifndef DAGD_ADMISSION_H
#define DAGD_ADMISSION_H

#include "config.h"

#include <stdint.h>

typedef struct admission {
    int64_t mem_budget, mem_used; /* bytes */
    int64_t cpu_budget, cpu_used; /* thousandths of a CPU */
} admission;

void admission_init(admission *a, int64_t memory_budget, double cpu_budget);
/* NULL when a task declaring MEMORY bytes (0: none) and CPUS (0: none) fits
 * now, else what it waits for: "memory" or "cpus". */
const char *admission_check(const admission *a, int64_t memory, double cpus);
/* A task starts (SIGN +1) or ends (-1). */
void admission_account(admission *a, int64_t memory, double cpus, int sign);
/* NULL when such a task fits the budgets when nothing else runs, else
 * "memory" or "cpus": it could never start. */
const char *admission_never_fits(int64_t memory_budget, double cpu_budget, int64_t memory,
                                 double cpus);
/* Resolve `auto` (0) budgets: 80% of the host's memory, its CPU count. */
void admission_resolve_auto(config *cfg);

#endif

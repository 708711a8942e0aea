#include "admission.h"

#include <math.h>
#include <sched.h>
#include <unistd.h>

static int64_t milli(double cpus)
{
    return (int64_t)llround(cpus * 1000.0);
}

void admission_init(admission *a, int64_t memory_budget, double cpu_budget)
{
    a->mem_budget = memory_budget;
    a->cpu_budget = milli(cpu_budget);
    a->mem_used = a->cpu_used = 0;
}

const char *admission_check(const admission *a, int64_t memory, double cpus)
{
    if (memory > 0 && a->mem_used + memory > a->mem_budget)
        return "memory";
    if (cpus > 0 && a->cpu_used + milli(cpus) > a->cpu_budget)
        return "cpus";
    return NULL;
}

void admission_account(admission *a, int64_t memory, double cpus, int sign)
{
    if (memory > 0)
        a->mem_used += sign * memory;
    if (cpus > 0)
        a->cpu_used += sign * milli(cpus);
}

const char *admission_never_fits(int64_t memory_budget, double cpu_budget, int64_t memory,
                                 double cpus)
{
    admission empty;
    admission_init(&empty, memory_budget, cpu_budget);
    return admission_check(&empty, memory, cpus);
}

void admission_resolve_auto(config *cfg)
{
    if (cfg->memory_budget <= 0) {
        long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
        /* 80% of MemTotal: the rest is for the kernel, the agent, sshd. */
        cfg->memory_budget = pages > 0 && size > 0 ? (int64_t)pages * size / 10 * 8 : INT64_MAX;
    }
    if (cfg->cpu_budget <= 0) {
        /* The CPUs this process may use (taskset, cpusets), not all. */
        cpu_set_t set;
        int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
        if (n <= 0)
            n = (int)sysconf(_SC_NPROCESSORS_ONLN);
        cfg->cpu_budget = n > 0 ? n : 1;
    }
}

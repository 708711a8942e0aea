/* Prometheus text-format metrics (names in SPEC "Observability"): built
 * here, once, for [agent] metrics_file (node_exporter's textfile collector)
 * and for `dagctl metrics`. Counters count since the agent started, as
 * Prometheus counters do (rate() reads a restart as a reset); the last
 * success of each DAG comes from the store, so it survives a restart. */
#ifndef DAGD_METRICS_H
#define DAGD_METRICS_H

#include "agent.h"

struct event;

/* After the DAGs are loaded, before the first pass: counters at 0 for each
 * DAG, and the file written once. */
void metrics_start(agent *ag);
/* The events subscriber (ARG: the agent): counts, and writes the file on
 * change, at most every METRICS_MIN_INTERVAL_MS. */
void metrics_on_event(void *arg, const struct event *ev);
/* A scheduled run not created because one was still active (overlap =
 * skip): dagd_runs_skipped_total{dag_id}. */
void metrics_runs_skipped(const char *dag_id, long n);
/* The whole text (new string). */
char *metrics_text(agent *ag);
/* The agent stops: the file says dagd_up 0; counters are dropped. */
void metrics_stop(agent *ag);

#define METRICS_MIN_INTERVAL_MS 15000

#endif

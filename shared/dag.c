/* The DAG model: lookups, linking (upstream resolution, cycles, topological
 * order) and freeing. The INI reader lives in dag_ini.c. */
#include "dag.h"

#include <stdlib.h>
#include <string.h>

bool dag_id_valid(const char *s)
{
    if (!s || !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false; /* ids are path parts under logs/ */
    size_t n = 0;
    for (; *s; s++, n++) {
        char c = *s;
        if (n >= DAG_ID_MAX || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                 (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

int64_t dag_jitter_offset(const char *dag_id, int64_t jitter_us)
{
    if (jitter_us <= 0 || !dag_id)
        return 0;
    /* FNV-1a: stable across hosts, builds and restarts (no seed). */
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *c = (const unsigned char *)dag_id; *c; c++)
        h = (h ^ *c) * 1099511628211ULL;
    /* Whole seconds when the jitter allows: the start reads plainly. */
    if (jitter_us >= 1000000)
        return (int64_t)(h % (uint64_t)(jitter_us / 1000000)) * 1000000;
    return (int64_t)(h % (uint64_t)jitter_us);
}

int dag_task_index(const dag *d, const char *id)
{
    if (d->task_ix) {
        size_t i = strindex_get(d->task_ix, id);
        return i == (size_t)-1 ? -1 : (int)i;
    }
    for (size_t i = 0; i < d->n_tasks; i++)
        if (strcmp(d->tasks[i].id, id) == 0)
            return (int)i;
    return -1;
}

int dag_param_index(const dag *d, const char *name)
{
    for (size_t i = 0; i < d->n_params; i++)
        if (strcmp(d->params[i].name, name) == 0)
            return (int)i;
    return -1;
}

bool dag_task_is_leaf(const dag *d, size_t i)
{
    return i < d->n_tasks && d->tasks[i].n_down == 0;
}

static void task_free(dag_task *t)
{
    free(t->id);
    free(t->command);
    strlist_free(&t->upstream);
    free(t->up);
    free(t->down);
    strlist_free(&t->env);
    free(t->image);
    strlist_free(&t->volumes);
    strlist_free(&t->constraints);
    strlist_free(&t->generic_resources);
    free(t->network);
    free(t->user);
    free(t->workdir);
    free(t->entrypoint);
    free(t->pull);
    free(t->pool);
    strlist_free(&t->notify);
}

dag *dag_ref(dag *d)
{
    if (d)
        d->refs++;
    return d;
}

void dag_unref(dag *d)
{
    if (d && --d->refs <= 0)
        dag_free(d);
}

void dag_free(dag *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_tasks; i++)
        task_free(&d->tasks[i]);
    free(d->tasks);
    strindex_free(d->task_ix);
    for (size_t i = 0; i < d->n_params; i++) {
        free(d->params[i].name);
        free(d->params[i].value);
    }
    free(d->params);
    free(d->id);
    free(d->file);
    free(d->dir);
    free(d->schedule);
    free(d->timezone);
    free(d->trigger_files);
    strlist_free(&d->notify);
    free(d->family);
    free(d->member);
    free(d->text);
    free(d);
}

static int up_line(const dag *d, int *const *up_lines, size_t i, size_t j)
{
    if (up_lines && up_lines[i] && up_lines[i][j] > 0)
        return up_lines[i][j];
    return d->tasks[i].line;
}

/* A file can hold many cycles, each as long as the file: name the first
 * few, each shortened, so that the messages stay small. */
#define CYCLES_REPORTED 10
#define CYCLE_ENDS_SHOWN 8

/* Report one cycle: the DFS path STACK[from..top] plus the back edge to
 * STACK[from]. The path follows upstream edges, so print it reversed to
 * read in the direction data flows (a -> b: b runs after a). */
static void report_cycle(const dag *d, const size_t *stack, size_t from, size_t top, int line,
                         diag_list *diags)
{
    strbuf sb = {0};
    size_t len = top + 1 - from; /* tasks on the cycle */
    sb_append(&sb, d->tasks[stack[from]].id);
    for (size_t k = top + 1, shown = 0; k-- > from; shown++) {
        if (len > 2 * CYCLE_ENDS_SHOWN && shown == CYCLE_ENDS_SHOWN) {
            sb_appendf(&sb, " -> ... (%zu more)", len - 2 * CYCLE_ENDS_SHOWN);
            k = from + CYCLE_ENDS_SHOWN;
            continue;
        }
        sb_append(&sb, " -> ");
        sb_append(&sb, d->tasks[stack[k]].id);
    }
    diag_add(diags, d->file, line, false, "upstream cycle: %s", sb.data);
    sb_free(&sb);
}

/* Iterative DFS along upstream edges (chains can be long); every back edge
 * closes a cycle. Returns the number of cycles reported. */
static size_t find_cycles(const dag *d, int *const *up_lines, diag_list *diags)
{
    size_t n = d->n_tasks, found = 0;
    unsigned char *color = xcalloc(n, 1); /* 0 new, 1 on the path, 2 done */
    size_t *stack = xmalloc(n * sizeof *stack);
    size_t *next = xcalloc(n, sizeof *next); /* next upstream item to follow */
    size_t *at = xcalloc(n, sizeof *at);     /* where a task on the path is on the stack */
    for (size_t root = 0; root < n; root++) {
        if (color[root])
            continue;
        size_t top = 0;
        stack[0] = root;
        at[root] = 0;
        color[root] = 1;
        for (;;) {
            size_t u = stack[top];
            const dag_task *t = &d->tasks[u];
            if (next[u] < t->n_up) {
                size_t j = next[u]++;
                size_t v = t->up[j];
                if (v == (size_t)-1 || color[v] == 2)
                    continue;
                if (color[v] == 1) {
                    if (found < CYCLES_REPORTED)
                        report_cycle(d, stack, at[v], top, up_line(d, up_lines, u, j), diags);
                    found++;
                    continue;
                }
                color[v] = 1;
                stack[++top] = v;
                at[v] = top;
                continue;
            }
            color[u] = 2;
            if (top == 0)
                break;
            top--;
        }
    }
    if (found > CYCLES_REPORTED)
        diag_add(diags, d->file, 0, false, "%zu more upstream cycles", found - CYCLES_REPORTED);
    free(color);
    free(stack);
    free(next);
    free(at);
    return found;
}

/* A binary min-heap of task indices: Kahn's algorithm picks the ready task
 * that comes first in the file, which makes the order stable. */
typedef struct heap {
    size_t *a, n;
} heap;

static void heap_push(heap *h, size_t v)
{
    size_t i = h->n++;
    h->a[i] = v;
    while (i > 0 && h->a[(i - 1) / 2] > h->a[i]) {
        size_t p = (i - 1) / 2, tmp = h->a[p];
        h->a[p] = h->a[i];
        h->a[i] = tmp;
        i = p;
    }
}

static size_t heap_pop(heap *h)
{
    size_t top = h->a[0];
    h->a[0] = h->a[--h->n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && h->a[l] < h->a[m])
            m = l;
        if (r < h->n && h->a[r] < h->a[m])
            m = r;
        if (m == i)
            break;
        size_t tmp = h->a[m];
        h->a[m] = h->a[i];
        h->a[i] = tmp;
        i = m;
    }
    return top;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Fill down[] from up[], then reorder tasks topologically and renumber. */
static void topo_sort(dag *d)
{
    size_t n = d->n_tasks;
    size_t *indeg = xcalloc(n, sizeof *indeg);
    /* Count first, then fill: a wide fan-out gets one allocation. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d->tasks[i].n_up; j++)
            d->tasks[d->tasks[i].up[j]].n_down++;
    for (size_t i = 0; i < n; i++) {
        dag_task *t = &d->tasks[i];
        t->down = t->n_down ? xmalloc(t->n_down * sizeof *t->down) : NULL;
        t->n_down = 0;
    }
    for (size_t i = 0; i < n; i++) {
        dag_task *t = &d->tasks[i];
        indeg[i] = t->n_up;
        for (size_t j = 0; j < t->n_up; j++) {
            dag_task *u = &d->tasks[t->up[j]];
            u->down[u->n_down++] = i;
        }
    }
    heap h = {xmalloc((n ? n : 1) * sizeof(size_t)), 0};
    size_t *order = xmalloc((n ? n : 1) * sizeof *order); /* new position -> old index */
    size_t *pos = xmalloc((n ? n : 1) * sizeof *pos);     /* old index -> new position */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (indeg[i] == 0)
            heap_push(&h, i);
    while (h.n) {
        size_t u = heap_pop(&h);
        pos[u] = k;
        order[k++] = u;
        for (size_t j = 0; j < d->tasks[u].n_down; j++)
            if (--indeg[d->tasks[u].down[j]] == 0)
                heap_push(&h, d->tasks[u].down[j]);
    }
    /* k == n: the caller has ruled out cycles. */
    dag_task *sorted = xmalloc((n ? n : 1) * sizeof *sorted);
    for (size_t i = 0; i < k; i++) {
        sorted[i] = d->tasks[order[i]];
        for (size_t j = 0; j < sorted[i].n_up; j++)
            sorted[i].up[j] = pos[sorted[i].up[j]];
        for (size_t j = 0; j < sorted[i].n_down; j++)
            sorted[i].down[j] = pos[sorted[i].down[j]];
        if (sorted[i].n_down > 1)
            qsort(sorted[i].down, sorted[i].n_down, sizeof(size_t), cmp_size);
    }
    free(d->tasks);
    d->tasks = sorted;
    free(h.a);
    free(order);
    free(pos);
    free(indeg);
}

/* Index the tasks by id at their current positions. */
static void index_tasks(dag *d)
{
    strindex_free(d->task_ix);
    d->task_ix = strindex_new();
    for (size_t i = 0; i < d->n_tasks; i++)
        strindex_add(d->task_ix, d->tasks[i].id, i);
}

size_t dag_link(dag *d, int *const *up_lines, diag_list *diags)
{
    size_t errors = 0;
    index_tasks(d);
    for (size_t i = 0; i < d->n_tasks; i++) {
        dag_task *t = &d->tasks[i];
        free(t->up);
        free(t->down);
        t->down = NULL;
        t->n_down = 0;
        t->n_up = t->upstream.n;
        t->up = t->n_up ? xmalloc(t->n_up * sizeof *t->up) : NULL;
        for (size_t j = 0; j < t->n_up; j++) {
            int idx = dag_task_index(d, t->upstream.items[j]);
            t->up[j] = idx < 0 ? (size_t)-1 : (size_t)idx;
            if (idx < 0) {
                diag_add(diags, d->file, up_line(d, up_lines, i, j), false,
                         "task %s: unknown upstream task \"%s\"", t->id, t->upstream.items[j]);
                errors++;
            }
        }
    }
    errors += find_cycles(d, up_lines, diags);
    if (errors == 0) {
        topo_sort(d);
        index_tasks(d); /* new positions */
    }
    return errors;
}

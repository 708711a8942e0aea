#include "template.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const template_builtin_names[] = {
    "ds",
    "ds_nodash",
    "ts",
    "data_interval_start",
    "data_interval_end",
    "prev_ds",
    "next_ds",
    "run_id",
    "dag_id",
    "task_id",
    "try_number",
    "trigger_file",
    NULL,
};

/* Built-ins whose values come from outside (a file's name): quoted like
 * params in commands. */
static bool builtin_quoted(int i)
{
    return strcmp(template_builtin_names[i], "trigger_file") == 0;
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-'; /* '-': task ids in outputs.TASK.KEY */
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* One {{ name }} found in a template: [start, end) is the whole expression. */
typedef struct tmpl_expr {
    const char *start, *end;
    const char *name;
    size_t name_len;
} tmpl_expr;

/* Find the next expression at or after S. Returns 1 when found, 0 at the end
 * of the text, -1 on a malformed expression (message in ERR). */
static int next_expr(const char *s, tmpl_expr *x, char *err, size_t errlen)
{
    const char *open = strstr(s, "{{");
    if (!open)
        return 0;
    const char *close = strstr(open + 2, "}}");
    /* An expression never spans lines: stop the search at the newline so that
     * the message points at the right place in a multi-line script. */
    const char *nl = strchr(open + 2, '\n');
    if (!close || (nl && nl < close)) {
        size_t shown = nl ? (size_t)(nl - open) : strlen(open);
        snprintf(err, errlen, "unterminated \"{{\" in \"%.*s\"", (int)(shown > 40 ? 40 : shown),
                 open);
        return -1;
    }
    const char *p = open + 2;
    while (is_blank(*p))
        p++;
    const char *name = p;
    while (p < close && is_name_char(*p))
        p++;
    size_t name_len = (size_t)(p - name);
    while (p < close && is_blank(*p))
        p++;
    int whole = (int)(close + 2 - open);
    if (p != close) {
        snprintf(err, errlen, "bad template \"%.*s\": expected {{ name }} with a plain name", whole,
                 open);
        return -1;
    }
    if (name_len == 0) {
        snprintf(err, errlen, "empty template \"%.*s\"", whole, open);
        return -1;
    }
    x->start = open;
    x->end = close + 2;
    x->name = name;
    x->name_len = name_len;
    return 1;
}

static bool name_is(const tmpl_expr *x, const char *name)
{
    return strlen(name) == x->name_len && memcmp(x->name, name, x->name_len) == 0;
}

static int builtin_index(const tmpl_expr *x)
{
    for (int i = 0; template_builtin_names[i]; i++)
        if (name_is(x, template_builtin_names[i]))
            return i;
    return -1;
}

/* Index of the param an expression "params.NAME" refers to, -1 when it
 * is not a params reference, -2 when NAME is not declared. */
static long param_index(const tmpl_expr *x, const char *const *names, size_t n)
{
    static const char prefix[] = "params.";
    size_t plen = sizeof prefix - 1;
    if (x->name_len < plen || memcmp(x->name, prefix, plen) != 0)
        return -1;
    const char *p = x->name + plen;
    size_t len = x->name_len - plen;
    for (size_t i = 0; i < n; i++)
        if (names[i] && strlen(names[i]) == len && memcmp(names[i], p, len) == 0)
            return (long)i;
    return -2;
}

static const char output_prefix[] = "outputs.";
#define OUTPUT_PREFIX_LEN (sizeof output_prefix - 1)

static bool starts_outputs(const char *name, size_t len)
{
    return len >= OUTPUT_PREFIX_LEN && memcmp(name, output_prefix, OUTPUT_PREFIX_LEN) == 0;
}

/* "outputs.TASK.KEY": TASK is a task id (it may hold '.', so KEY is after
 * the last '.'), KEY a key (letters, digits, '_', not a digit first).
 * 1: it is one; 0: not an outputs reference; -1: a malformed one. */
static int output_ref(const char *name, size_t len, const char **task, size_t *tlen,
                      const char **key, size_t *klen)
{
    if (!starts_outputs(name, len))
        return 0;
    const char *t = name + OUTPUT_PREFIX_LEN, *end = name + len, *dot = NULL;
    for (const char *c = t; c < end; c++)
        if (*c == '.')
            dot = c;
    if (!dot || dot == t || dot + 1 == end)
        return -1;
    const char *k = dot + 1;
    if (!(*k == '_' || (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z')))
        return -1;
    for (const char *c = k; c < end; c++)
        if (*c == '.' || *c == '-')
            return -1;
    *task = t;
    *tlen = (size_t)(dot - t);
    *key = k;
    *klen = (size_t)(end - k);
    return 1;
}

void template_each_output(const char *tmpl, template_output_fn fn, void *arg)
{
    const char *s = tmpl ? tmpl : "";
    char err[8];
    tmpl_expr x;
    for (;;) {
        int r = next_expr(s, &x, err, sizeof err);
        if (r == 0)
            return;
        if (r < 0) { /* reported by template_check: look past it */
            const char *open = strstr(s, "{{");
            s = open ? open + 2 : s + strlen(s);
            continue;
        }
        const char *task, *key;
        size_t tlen, klen;
        if (output_ref(x.name, x.name_len, &task, &tlen, &key, &klen) == 1)
            fn(arg, task, tlen, key, klen);
        s = x.end;
    }
}

static void unknown_name(const tmpl_expr *x, long pidx, char *err, size_t errlen)
{
    int len = (int)x->name_len;
    if (pidx == -2)
        snprintf(err, errlen,
                 "unknown template name \"%.*s\": param \"%.*s\" is not declared in [params]", len,
                 x->name, len - 7, x->name + 7);
    else
        snprintf(err, errlen, "unknown template name \"%.*s\"", len, x->name);
}

int template_check(const char *tmpl, const char *const *param_names, size_t n_params, char *err,
                   size_t errlen)
{
    tmpl_expr x;
    const char *s = tmpl ? tmpl : "";
    int r;
    while ((r = next_expr(s, &x, err, errlen)) == 1) {
        long pidx = param_index(&x, param_names, n_params);
        const char *task, *key;
        size_t tlen, klen;
        int o = output_ref(x.name, x.name_len, &task, &tlen, &key, &klen);
        if (o < 0) {
            snprintf(err, errlen,
                     "bad output reference \"%.*s\": expected outputs.TASK.KEY (KEY: letters, "
                     "digits and '_')",
                     (int)x.name_len, x.name);
            return -1;
        }
        if (o == 0 && builtin_index(&x) < 0 && pidx < 0) {
            unknown_name(&x, pidx, err, errlen);
            return -1;
        }
        s = x.end;
    }
    return r;
}

int template_check_command(const char *tmpl, size_t *offset, char *err, size_t errlen)
{
    enum { OUTSIDE, SINGLE, DOUBLE } q = OUTSIDE;
    const char *text = tmpl ? tmpl : "";
    /* One pass over the script, shell quotes and {{ }} alike (the names
     * themselves were checked by template_check). */
    for (const char *c = text; *c; c++) {
        if (c[0] == '{' && c[1] == '{') {
            const char *name = c + 2;
            while (is_blank(*name))
                name++;
            size_t len = 0;
            while (is_name_char(name[len]))
                len++;
            /* Params, member values, outputs and the trigger file are one
             * quoted word each. */
            bool quoted_word = (len > 7 && strncmp(name, "params.", 7) == 0) ||
                               (len == 6 && strncmp(name, "member", 6) == 0) ||
                               (len > 7 && strncmp(name, "member.", 7) == 0) ||
                               starts_outputs(name, len) ||
                               (len == 12 && strncmp(name, "trigger_file", 12) == 0);
            if (q != OUTSIDE && quoted_word) {
                snprintf(err, errlen,
                         "{{ %.*s }} stands inside %s quotes, where its value would be unquoted "
                         "again: write it outside quotes (its value is always one quoted word)",
                         (int)len, name, q == SINGLE ? "single" : "double");
                *offset = (size_t)(c - text);
                return -1;
            }
            c = name + len - 1;
        } else if (q == SINGLE) {
            if (*c == '\'')
                q = OUTSIDE;
        } else if (*c == '\\' && c[1]) {
            c++; /* an escaped character quotes nothing */
        } else if (q == DOUBLE) {
            if (*c == '"')
                q = OUTSIDE;
        } else if (*c == '\'') {
            q = SINGLE;
        } else if (*c == '"') {
            q = DOUBLE;
        }
    }
    return 0;
}

static const char *builtin_value(const template_ctx *c, int i)
{
    const char *v[] = {c->ds,
                       c->ds_nodash,
                       c->ts,
                       c->data_interval_start,
                       c->data_interval_end,
                       c->prev_ds,
                       c->next_ds,
                       c->run_id,
                       c->dag_id,
                       c->task_id,
                       c->try_number,
                       c->trigger_file};
    return v[i] ? v[i] : "";
}

static void append_value(strbuf *out, const char *v, bool quote)
{
    if (!quote) {
        sb_append(out, v);
        return;
    }
    char *q = shell_quote(v);
    sb_append(out, q);
    free(q);
}

/* The stored value of outputs.TASK.KEY, "" when there is none. */
static const char *output_value(const template_ctx *c, const char *task, size_t tlen,
                                const char *key, size_t klen)
{
    if (!c->output)
        return "";
    char *t = xstrndup(task, tlen), *k = xstrndup(key, klen);
    const char *v = c->output(c->output_arg, t, k);
    free(t);
    free(k);
    return v ? v : "";
}

char *template_render(const char *tmpl, const template_ctx *ctx, bool shell_quote_params, char *err,
                      size_t errlen)
{
    strbuf out = {0};
    tmpl_expr x;
    const char *s = tmpl ? tmpl : "";
    int r;
    while ((r = next_expr(s, &x, err, errlen)) == 1) {
        sb_append_len(&out, s, (size_t)(x.start - s));
        int b = builtin_index(&x);
        long pidx = param_index(&x, ctx->param_names, ctx->n_params);
        const char *task, *key;
        size_t tlen, klen;
        if (b >= 0) {
            append_value(&out, builtin_value(ctx, b), shell_quote_params && builtin_quoted(b));
        } else if (pidx >= 0) {
            const char *v = ctx->param_values[pidx] ? ctx->param_values[pidx] : "";
            append_value(&out, v, shell_quote_params);
        } else if (output_ref(x.name, x.name_len, &task, &tlen, &key, &klen) == 1) {
            append_value(&out, output_value(ctx, task, tlen, key, klen), shell_quote_params);
        } else {
            unknown_name(&x, pidx, err, errlen);
            sb_free(&out);
            return NULL;
        }
        s = x.end;
    }
    if (r < 0) {
        sb_free(&out);
        return NULL;
    }
    sb_append(&out, s);
    return sb_take(&out);
}

char *shell_quote(const char *s)
{
    /* Always quote: one predictable form, and no character class to get wrong. */
    strbuf out = {0};
    sb_append(&out, "'");
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '\'')
            sb_append(&out, "'\\''");
        else
            sb_append_len(&out, p, 1);
    }
    sb_append(&out, "'");
    return sb_take(&out);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void push_word(char ***words, size_t *n, size_t *cap, strbuf *w)
{
    if (*n + 2 > *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *words = xrealloc(*words, *cap * sizeof **words);
    }
    (*words)[(*n)++] = sb_take(w);
    (*words)[*n] = NULL;
}

char **shell_split(const char *s, char *err, size_t errlen)
{
    char **words = NULL;
    size_t n = 0, cap = 0;
    strbuf w = {0};
    bool in_word = false; /* '' makes an empty word, so track words apart from w.len */
    const char *p = s ? s : "";

    while (*p) {
        char c = *p;
        if (is_space(c)) {
            if (in_word)
                push_word(&words, &n, &cap, &w);
            in_word = false;
            p++;
        } else if (c == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (!end) {
                snprintf(err, errlen, "unterminated single quote");
                goto fail;
            }
            sb_append_len(&w, p + 1, (size_t)(end - p - 1));
            in_word = true;
            p = end + 1;
        } else if (c == '"') {
            p++;
            for (;;) {
                if (!*p) {
                    snprintf(err, errlen, "unterminated double quote");
                    goto fail;
                }
                if (*p == '"')
                    break;
                /* Inside "…" a backslash only escapes $ ` " \ and newline. */
                if (*p == '\\' && p[1] && strchr("$`\"\\\n", p[1])) {
                    if (p[1] != '\n')
                        sb_append_len(&w, p + 1, 1);
                    p += 2;
                } else {
                    sb_append_len(&w, p, 1);
                    p++;
                }
            }
            in_word = true;
            p++;
        } else if (c == '\\') {
            if (p[1] == '\n') {
                p += 2; /* line continuation */
            } else if (p[1]) {
                sb_append_len(&w, p + 1, 1);
                in_word = true;
                p += 2;
            } else {
                sb_append_len(&w, p, 1); /* a lone trailing backslash stays */
                in_word = true;
                p++;
            }
        } else {
            sb_append_len(&w, p, 1);
            in_word = true;
            p++;
        }
    }
    if (in_word)
        push_word(&words, &n, &cap, &w);
    sb_free(&w);
    if (!words)
        words = xcalloc(1, sizeof *words);
    return words;

fail:
    sb_free(&w);
    if (words)
        shell_split_free(words);
    return NULL;
}

void shell_split_free(char **words)
{
    if (!words)
        return;
    for (char **w = words; *w; w++)
        free(*w);
    free(words);
}

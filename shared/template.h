/* {{ name }} templates in command, env and image, and shell quoting. */
#ifndef DAGD_TEMPLATE_H
#define DAGD_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

/* Values of the built-in names for one task try; all strings non-NULL. */
typedef struct template_ctx {
    const char *ds, *ds_nodash, *ts;
    const char *data_interval_start, *data_interval_end;
    const char *prev_ds, *next_ds;
    const char *run_id, *dag_id, *task_id, *try_number;
    const char *const *param_names;
    const char *const *param_values;
    size_t n_params;
    /* {{ trigger_file }}: the file of a file__ run, "" otherwise (NULL: ""). */
    const char *trigger_file;
    /* {{ outputs.TASK.KEY }}: TASK's stored value, or NULL (rendered as
     * ""). NULL function: every output is "". */
    const char *(*output)(void *arg, const char *task, const char *key);
    void *output_arg;
} template_ctx;

/* Built-in names, NULL-terminated: ds ds_nodash ts data_interval_start ... */
extern const char *const template_builtin_names[];

/* Check every {{ … }} in TMPL names a built-in or a declared param
 * ("params.NAME"). Returns 0, or -1 with a message in ERR. */
int template_check(const char *tmpl, const char *const *param_names, size_t n_params, char *err,
                   size_t errlen);

/* Calls FN for each {{ outputs.TASK.KEY }} in TMPL (TASK and KEY are not
 * NUL-terminated: their lengths follow). Malformed expressions are
 * skipped (template_check reports them). */
typedef void (*template_output_fn)(void *arg, const char *task, size_t task_len, const char *key,
                                   size_t key_len);
void template_each_output(const char *tmpl, template_output_fn fn, void *arg);

/* A command's params must stand outside the command's own quotes: a param
 * is substituted as one single-quoted word, which inside '…' or "…" would
 * be unquoted again (and $(…) in it would run). Returns 0, or -1 with a
 * message in ERR and the offending expression's byte offset in OFFSET. */
int template_check_command(const char *tmpl, size_t *offset, char *err, size_t errlen);

/* Render TMPL. With SHELL_QUOTE_PARAMS, each param value (and each output
 * and the trigger file, values from outside) is substituted as one
 * shell-quoted word (used for commands, so no param can inject). Returns
 * a new string, or NULL with a message in ERR. */
char *template_render(const char *tmpl, const template_ctx *ctx, bool shell_quote_params, char *err,
                      size_t errlen);

/* S as one POSIX shell word: 'it'\''s'. New string. */
char *shell_quote(const char *s);

/* Split S into words like a POSIX shell does (quotes, backslashes; no
 * expansions). Returns a NULL-terminated array of new strings, or NULL with
 * a message in ERR (unterminated quote). */
char **shell_split(const char *s, char *err, size_t errlen);
void shell_split_free(char **words);

#endif

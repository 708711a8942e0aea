/* Keys to actions, one table per screen (like htop's Action.c): a handler
 * changes the state and returns what to redraw; help is generated from the
 * same tables, so it lists every key there is. */
#ifndef DAGD_TUI_KEYS_H
#define DAGD_TUI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

struct app;

/* get_wch returns characters and key codes in one number space here:
 * function keys are offset so they never collide with a character. */
#define TK_FN(k) (0x1000000 | (k))
#define TK_CTRL(c) ((c)&0x1f)
#define TK_ESC 27
#define TK_ENTER '\n'
#define TK_BACKSPACE TK_FN(0407) /* KEY_BACKSPACE */

typedef int (*action_fn)(struct app *a);

typedef struct key_action {
    int key;
    const char *label; /* how help shows the key(s) */
    const char *help;  /* NULL: an alias of the entry before, not listed */
    action_fn fn;
} key_action;

/* Run the action bound to KEY in TABLE (ended by a zero entry); *FOUND says
 * whether there was one. Returns its RD_* flags. */
int keys_run(const key_action *table, struct app *a, int key, bool *found);
/* Map terminal variants onto one key: CR and KEY_ENTER to TK_ENTER, DEL and
 * ^H to TK_BACKSPACE. */
int keys_normalize(int key);

#endif

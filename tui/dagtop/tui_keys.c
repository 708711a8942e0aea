#include "tui_keys.h"

#include <ncurses.h>

int keys_run(const key_action *table, struct app *a, int key, bool *found)
{
    for (const key_action *k = table; k->fn; k++) {
        if (k->key == key) {
            *found = true;
            return k->fn(a);
        }
    }
    *found = false;
    return 0;
}

int keys_normalize(int key)
{
    if (key == '\r' || key == TK_FN(KEY_ENTER))
        return TK_ENTER;
    if (key == 127 || key == 8)
        return TK_BACKSPACE;
    return key;
}

/* Pause / unpause: a y/n question before the change. */
#include "tui_draw.h"
#include "tui_views.h"

#include <stdlib.h>

void confirm_open(app *a, const char *dag_id)
{
    if (!dag_id)
        return;
    int i = dag_list_find(&a->dags, dag_id);
    bool paused = i >= 0 && a->dags.rows[i].paused;
    free(a->cf.dag_id);
    a->cf.dag_id = xstrdup(dag_id);
    a->cf.kind = paused ? CF_UNPAUSE : CF_PAUSE;
    a->overlay = OV_CONFIRM;
}

static void close_confirm(app *a)
{
    free(a->cf.dag_id);
    a->cf.dag_id = NULL;
    a->overlay = OV_NONE;
}

static int act_yes(app *a)
{
    app_send_pause(a, a->cf.dag_id, a->cf.kind == CF_PAUSE);
    close_confirm(a);
    return RD_DRAW;
}

static int act_no(app *a)
{
    close_confirm(a);
    return RD_DRAW;
}

const key_action confirm_keys[] = {
    {'y', "y Enter", "yes", act_yes}, {TK_ENTER, NULL, NULL, act_yes},
    {'n', "n Esc q", "no", act_no},   {TK_ESC, NULL, NULL, act_no},
    {'q', NULL, NULL, act_no},        {0, NULL, NULL, NULL},
};

void confirm_draw(app *a)
{
    int w = COLS - 4 < 60 ? COLS - 4 : 60, h = 5;
    if (w < 20)
        return;
    int y = (LINES - 1 - h) / 2, x = (COLS - w) / 2;
    bool pause = a->cf.kind == CF_PAUSE;
    draw_box(y, x, h, w, pause ? "Pause" : "Unpause");
    draw_textf(y + 1, x + 2, w - 4, A_NORMAL, "%s DAG %s?", pause ? "Pause" : "Unpause",
               a->cf.dag_id);
    draw_text(y + 2, x + 2, w - 4, A_DIM,
              pause ? "no new runs or task starts; running tasks finish"
                    : "scheduling resumes (missed intervals with catchup)");
    draw_text(y + 3, x + 2, w - 4, A_BOLD, "y/Enter yes   n/Esc no");
}

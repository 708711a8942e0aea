/* One-line prompts: the DAG filter (on the status line, filtering as you
 * type), trigger (a date, then params one by one; the last Enter triggers)
 * and backfill (from, to). Enter on an empty input takes the default shown. */
#include "timeutil.h"
#include "tui_draw.h"
#include "tui_theme.h"
#include "tui_views.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The input as UTF-8. */
static void input_text(const prompt *p, char *buf, size_t len)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t k = 0;
    for (int i = 0; i < p->len; i++) {
        char mb[MB_LEN_MAX];
        size_t n = wcrtomb(mb, p->text[i], &st);
        if (n == (size_t)-1) {
            mb[0] = '?';
            n = 1;
            memset(&st, 0, sizeof st);
        }
        if (k + n >= len)
            break;
        memcpy(buf + k, mb, n);
        k += n;
    }
    buf[k] = '\0';
}

static void today(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%d", &tm);
}

static void set_input(prompt *p, const char *s)
{
    p->len = 0;
    for (; *s && p->len < (int)(sizeof p->text / sizeof *p->text) - 1; s++)
        p->text[p->len++] = (wchar_t)(unsigned char)*s;
}

static void close_prompt(app *a)
{
    prompt *p = &a->pr;
    p->checking = false;
    p->seq++;
    free(p->dag_id);
    p->dag_id = NULL;
    strlist_free(&p->params);
    p->len = 0;
    p->error[0] = '\0';
    a->overlay = OV_NONE;
}

void prompt_open(app *a, enum prompt_kind kind, const char *dag_id)
{
    prompt *p = &a->pr;
    close_prompt(a);
    p->kind = kind;
    p->dag_id = dag_id ? xstrdup(dag_id) : NULL;
    p->date[0] = '\0';
    p->placeholder[0] = '\0';
    if (kind == PR_FILTER)
        set_input(p, a->screen == SCR_GRID ? a->gv.filter : a->lv.filter);
    if (kind == PR_SEARCH)
        set_input(p, a->logv.search);
    if (kind == PR_TRIGGER_DATE)
        snprintf(p->placeholder, sizeof p->placeholder, "now");
    if (kind == PR_BACKFILL_FROM) {
        /* From the run under the grid's cursor, if any. */
        const char *r, *t;
        if (a->screen != SCR_LIST && grid_cursor_cell(a, &r, &t))
            snprintf(p->placeholder, sizeof p->placeholder, "%.10s",
                     a->gv.g.runs[a->gv.cur_run].label);
        else
            today(p->placeholder, sizeof p->placeholder);
    }
    a->overlay = OV_PROMPT;
}

static void trigger_reply(void *owner, const tui_reply *r, void *ud)
{
    (void)ud;
    app *a = owner;
    if (r->ok) {
        json_t *o = tj_parse(r->result);
        const char *run_id = json_string_value(json_object_get(o, "run_id"));
        app_status(a, false, "triggered %s", run_id ? run_id : "a run");
        json_decref(o);
        app_want(a, WANT_DAGS);
    } else if (strcmp(r->code, "disconnected") != 0) {
        app_status_reply(a, "trigger", r);
    }
}

static void send_trigger(app *a)
{
    prompt *p = &a->pr;
    json_t *params = json_object();
    for (size_t i = 0; i < p->params.n; i++) {
        char *kv = p->params.items[i];
        char *eq = strchr(kv, '=');
        *eq = '\0';
        json_object_set_new(params, kv, json_string(eq + 1));
        *eq = '=';
    }
    json_t *args = json_pack("{s:s, s:o}", "dag_id", p->dag_id, "params", params);
    if (p->date[0])
        json_object_set_new(args, "date", json_string(p->date));
    if (!tc_request(&a->conn, "trigger", args, trigger_reply, NULL))
        app_status(a, true, "not connected to the agent");
}

/* The DAG's row when the agent lists its declared params, else NULL. */
static const dag_row *declared(app *a)
{
    int i = a->pr.dag_id ? dag_list_find(&a->dags, a->pr.dag_id) : -1;
    return i >= 0 && a->dags.rows[i].params_listed ? &a->dags.rows[i] : NULL;
}

/* Ask for declared param I, or trigger when there is none left. */
static void next_param(app *a, size_t i)
{
    prompt *p = &a->pr;
    const dag_row *r = declared(a);
    if (r && i >= r->param_names.n) {
        send_trigger(a);
        close_prompt(a);
        return;
    }
    p->kind = PR_TRIGGER_PARAM;
    p->param_index = i;
    p->len = 0;
    snprintf(p->placeholder, sizeof p->placeholder, "%s", r ? r->param_defaults.items[i] : "");
}

/* The agent's answer to the trigger dry run for the date: a taken date is
 * said at once, in the prompt, not after every param was asked. */
static void check_reply(void *owner, const tui_reply *r, void *ud)
{
    app *a = owner;
    prompt *p = &a->pr;
    if (a->overlay != OV_PROMPT || p->kind != PR_TRIGGER_DATE || (unsigned)(uintptr_t)ud != p->seq)
        return;
    p->checking = false;
    a->dirty = true;
    if (r->ok) {
        json_t *o = tj_parse(r->result);
        bool dry = json_is_true(json_object_get(o, "dry_run"));
        json_decref(o);
        if (dry) {
            next_param(a, 0);
        } else { /* an agent without dry runs triggered it: say so */
            trigger_reply(owner, r, NULL);
            close_prompt(a);
        }
    } else if (strcmp(r->code, "disconnected") == 0) {
        snprintf(p->error, sizeof p->error, "not connected to the agent");
    } else {
        snprintf(p->error, sizeof p->error, "%s: %s", r->code, r->message ? r->message : "");
    }
}

static void check_date(app *a)
{
    prompt *p = &a->pr;
    p->seq++;
    if (tc_request(
            &a->conn, "trigger",
            json_pack("{s:s, s:s, s:b}", "dag_id", p->dag_id, "date", p->date, "dry_run", true),
            view_prompt.on_reply, (void *)(uintptr_t)p->seq))
        p->checking = true;
    else
        snprintf(p->error, sizeof p->error, "not connected to the agent");
}

/* A date the agent will read (checked here so a typo is fixed in place). */
static bool date_ok(prompt *p, const char *s)
{
    int64_t us;
    char err[128];
    if (time_parse(s, "UTC", &us, err, sizeof err) == 0)
        return true;
    snprintf(p->error, sizeof p->error, "%s", err);
    return false;
}

static int act_submit(app *a)
{
    prompt *p = &a->pr;
    char in[512];
    input_text(p, in, sizeof in);
    char *v = str_trim(in);
    p->error[0] = '\0';
    switch (p->kind) {
    case PR_FILTER:
        close_prompt(a);
        break;
    case PR_SEARCH:
        close_prompt(a);
        log_search_set(a, v);
        break;
    case PR_TRIGGER_DATE:
        if (p->checking || (*v && !date_ok(p, v)))
            break;
        snprintf(p->date, sizeof p->date, "%s", v);
        if (*p->date)
            check_date(a); /* the params come when the agent says it is free */
        else
            next_param(a, 0); /* now: a new instant */
        break;
    case PR_TRIGGER_PARAM:
        if (declared(a) && p->param_index < declared(a)->param_names.n) {
            /* One prompt per declared param; Enter keeps its default. */
            char *kv = xasprintf("%s=%s", declared(a)->param_names.items[p->param_index],
                                 *v ? v : p->placeholder);
            strlist_push(&p->params, kv);
            free(kv);
            next_param(a, p->param_index + 1);
            break;
        }
        if (*v) {
            char *eq = strchr(v, '=');
            if (!eq || eq == v) {
                snprintf(p->error, sizeof p->error, "write NAME=VALUE");
                break;
            }
            strlist_push(&p->params, v);
            p->len = 0;
            break;
        }
        send_trigger(a);
        close_prompt(a);
        break;
    case PR_BACKFILL_FROM:
        if (!*v)
            v = p->placeholder;
        if (!date_ok(p, v))
            break;
        snprintf(p->date, sizeof p->date, "%s", v);
        today(p->placeholder, sizeof p->placeholder);
        if (strcmp(p->placeholder, p->date) < 0)
            snprintf(p->placeholder, sizeof p->placeholder, "%s", p->date);
        p->kind = PR_BACKFILL_TO;
        p->len = 0;
        break;
    case PR_BACKFILL_TO:
        if (!*v)
            v = p->placeholder;
        if (!date_ok(p, v))
            break;
        {
            /* Not yet: first how many runs that makes, and a y/n. */
            char *dag_id = xstrdup(p->dag_id), *to = xstrdup(v);
            char from[sizeof p->date];
            snprintf(from, sizeof from, "%s", p->date);
            close_prompt(a);
            confirm_backfill(a, dag_id, from, to);
            free(dag_id);
            free(to);
            break;
        }
    }
    return RD_DRAW;
}

/* The filter prompt filters the DAG list, or the grid's task columns. */
static void filter_changed(app *a)
{
    if (a->pr.kind != PR_FILTER)
        return;
    if (a->screen == SCR_GRID) {
        input_text(&a->pr, a->gv.filter, sizeof a->gv.filter);
        grid_filter_changed(a);
    } else {
        input_text(&a->pr, a->lv.filter, sizeof a->lv.filter);
        a->lv.sc.cur = 0;
        a->lv.sc.top = 0;
    }
}

static int act_cancel(app *a)
{
    if (a->pr.kind == PR_FILTER) {
        a->pr.len = 0;
        filter_changed(a);
    }
    close_prompt(a);
    return RD_DRAW;
}

static int act_backspace(app *a)
{
    if (a->pr.len > 0)
        a->pr.len--;
    filter_changed(a);
    return RD_DRAW;
}

static int act_kill(app *a)
{
    a->pr.len = 0;
    filter_changed(a);
    return RD_DRAW;
}

static const key_action prompt_keys[] = {
    {TK_ENTER, "Enter", "accept (empty: the default shown); the last Enter acts", act_submit},
    {TK_ESC, "Esc", "cancel", act_cancel},
    {TK_BACKSPACE, "Backspace", "delete a character", act_backspace},
    {TK_FN(KEY_DC), NULL, NULL, act_backspace},
    {TK_CTRL('u'), "Ctrl-U", "delete the input", act_kill},
    {0, NULL, NULL, NULL},
};

static int prompt_key(app *a, int key)
{
    bool found;
    int rd = keys_run(prompt_keys, a, key, &found);
    if (found)
        return rd;
    prompt *p = &a->pr;
    if (key >= 0x20 && key < TK_FN(0) && key != 0x7f &&
        p->len < (int)(sizeof p->text / sizeof *p->text) - 1) {
        p->text[p->len++] = (wchar_t)key;
        p->error[0] = '\0';
        filter_changed(a);
        return RD_DRAW;
    }
    return RD_NONE;
}

static void prompt_draw(app *a)
{
    prompt *p = &a->pr;
    char in[512];
    input_text(p, in, sizeof in);
    if (p->kind == PR_FILTER || p->kind == PR_SEARCH) {
        /* On the line above the status bar, so the list stays in view. */
        int y = LINES - 2;
        draw_fill(y, 0, COLS, A_NORMAL);
        int x = draw_text(y, 0, COLS, A_BOLD,
                          p->kind == PR_SEARCH    ? "search /"
                          : a->screen == SCR_GRID ? "tasks /"
                                                  : "filter /");
        x += draw_text(y, x, COLS - x - 1, A_NORMAL, in);
        draw_text(y, x, 1, A_REVERSE, " ");
        return;
    }
    int w = COLS - 4 < 70 ? COLS - 4 : 70;
    int h = 7 + (int)p->params.n;
    if (h > LINES - 2)
        h = LINES - 2;
    if (w < 24 || h < 6)
        return;
    int y = (LINES - 1 - h) / 2, x = (COLS - w) / 2, iw = w - 4, ix = x + 2;
    bool trig = p->kind == PR_TRIGGER_DATE || p->kind == PR_TRIGGER_PARAM;
    char title[200];
    snprintf(title, sizeof title, "%s %s", trig ? "Trigger" : "Backfill", p->dag_id);
    draw_box(y, x, h, w, title);
    int ly = y + 1;
    if (p->kind == PR_TRIGGER_PARAM)
        draw_textf(ly++, ix, iw, A_NORMAL, "logical date: %s", p->date[0] ? p->date : "now");
    if (p->kind == PR_BACKFILL_TO)
        draw_textf(ly++, ix, iw, A_NORMAL, "from: %s", p->date);
    for (size_t i = 0; i < p->params.n && ly < y + h - 4; i++)
        draw_textf(ly++, ix, iw, A_NORMAL, "param %s", p->params.items[i]);
    const dag_row *r = p->kind == PR_TRIGGER_PARAM ? declared(a) : NULL;
    if (r && p->param_index >= r->param_names.n)
        r = NULL; /* the DAG was reloaded with fewer params meanwhile */
    char label[160];
    if (r)
        snprintf(label, sizeof label, "param %s", r->param_names.items[p->param_index]);
    else
        snprintf(label, sizeof label, "%s",
                 p->kind == PR_TRIGGER_DATE    ? "logical date"
                 : p->kind == PR_TRIGGER_PARAM ? "param NAME=VALUE (empty: trigger)"
                 : p->kind == PR_BACKFILL_FROM ? "from date"
                                               : "to date");
    int yy = y + h - 4;
    int lx = ix + draw_text(yy, ix, iw, A_BOLD, label);
    if (p->kind != PR_TRIGGER_PARAM || r)
        draw_textf(yy, lx, ix + iw - lx, theme_attr(ROLE_DIM), " [%s]", p->placeholder);
    int cx = ix + draw_text(yy + 1, ix, iw - 1, A_NORMAL, in);
    draw_text(yy + 1, cx, 1, A_REVERSE, " ");
    if (p->error[0])
        draw_text(yy + 2, ix, iw, theme_attr(ROLE_ERROR), p->error);
    else if (p->checking)
        draw_text(yy + 2, ix, iw, theme_attr(ROLE_DIM), "asking the agent whether it is free…");
    else
        draw_text(yy + 2, ix, iw, theme_attr(ROLE_DIM), "Enter accepts   Esc cancels");
}

static void prompt_hints(app *a, int width, char *out, size_t len)
{
    (void)a;
    VIEW_HINTS(width, out, len, {"Enter accept", 1}, {"Esc cancel", 1});
}

/* Every printable key types, so keys go to prompt_key, not a table. */
const view view_prompt = {
    .title = "Prompts (filter, search, trigger, backfill)",
    .keys = prompt_keys,
    .draw = prompt_draw,
    .hints = prompt_hints,
    .key = prompt_key,
    .on_reply = check_reply,
};

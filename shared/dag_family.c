/* DAG families: one file, one DAG per member. [family] members = … names
 * them, [member NAME] holds each one's keys; `id` must hold {{ member }},
 * and {{ member }} / {{ member.KEY }} in commands (one shell-quoted word,
 * like params), env and image are replaced at load time, so that every
 * member is a plain DAG to the rest of dagd. The checking load (no member
 * chosen) reports every problem once, naming the member at fault. */
#include "dag_ini.h"
#include "template.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static ini_family *fam_of(ini_parser *p)
{
    if (!p->fam)
        p->fam = xcalloc(1, sizeof *p->fam);
    return p->fam;
}

static family_member *find_sect(ini_family *f, const char *name)
{
    for (size_t i = 0; f && i < f->n_sect; i++)
        if (strcmp(f->sect[i].name, name) == 0)
            return &f->sect[i];
    return NULL;
}

void ini_family_section(ini_parser *p, const char *name)
{
    ini_family *f = fam_of(p);
    p->sect = SECT_IGNORED;
    if (strcmp(name, "family") == 0) {
        if (f->line) {
            ini_err(p, p->lineno, "duplicate [family] section: first at line %d", f->line);
            return;
        }
        f->line = p->lineno;
        p->sect = SECT_FAMILY;
        return;
    }
    const char *id = name + 6;
    while (isspace((unsigned char)*id))
        id++;
    if (!*id) {
        ini_err(p, p->lineno, "[member] needs a name: [member NAME]");
        return;
    }
    if (!dag_id_valid(id)) {
        ini_err(p, p->lineno, "bad member name \"%s\": use letters, digits, '_', '.' and '-'", id);
        return;
    }
    family_member *dup = find_sect(f, id);
    if (dup) {
        ini_err(p, p->lineno, "duplicate [member %s]: first at line %d", id, dup->line);
        return;
    }
    f->sect = xrealloc(f->sect, (f->n_sect + 1) * sizeof *f->sect);
    family_member *m = &f->sect[f->n_sect];
    memset(m, 0, sizeof *m);
    m->name = xstrdup(id);
    m->line = p->lineno;
    p->cur_member = f->n_sect++;
    p->sect = SECT_MEMBER;
}

static void add_members(ini_parser *p, const char *v)
{
    ini_family *f = p->fam;
    char *copy = xstrdup(v), *save = NULL;
    for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
        if (!dag_id_valid(w))
            ini_err(p, p->lineno, "bad member name \"%s\": use letters, digits, '_', '.' and '-'",
                    w);
        else if (strlist_contains(&f->members, w))
            ini_err(p, p->lineno, "members lists \"%s\" twice", w);
        else {
            strlist_push(&f->members, w);
            intvec_push(&f->member_lines, p->lineno);
        }
    }
    free(copy);
}

static bool key_name_ok(const char *s)
{
    if (!isalpha((unsigned char)s[0]) && s[0] != '_')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

void ini_family_key(ini_parser *p, const char *name, const char *v)
{
    ini_family *f = p->fam;
    if (p->sect == SECT_FAMILY) {
        if (strcmp(name, "members") != 0) {
            ini_err(p, p->lineno, "unknown key \"%s\" in [family] (expected members)", name);
            return;
        }
        if (f->members_line) {
            ini_err(p, p->lineno, "duplicate key \"members\" in [family] (first at line %d)",
                    f->members_line);
            return;
        }
        f->members_line = p->lineno;
        p->key = 0; /* the list goes on on indented lines */
        add_members(p, v);
        return;
    }
    family_member *m = &f->sect[p->cur_member];
    p->key = 1; /* a continuation line is an error */
    if (!key_name_ok(name)) {
        ini_err(p, p->lineno, "bad member key \"%s\": use letters, digits and '_'", name);
        return;
    }
    for (size_t i = 0; i < m->keys.n; i++) {
        if (strcmp(m->keys.items[i], name) == 0) {
            ini_err(p, p->lineno, "duplicate key \"%s\" in [member %s] (first at line %d)", name,
                    m->name, m->key_lines.a[i]);
            return;
        }
    }
    if (strstr(v, "{{")) { /* substituted once, never rendered again */
        ini_err(p, p->lineno, "[member %s] %s: a member value cannot hold \"{{\"", m->name, name);
        return;
    }
    strlist_push(&m->keys, name);
    strlist_push(&m->values, v);
    intvec_push(&m->key_lines, p->lineno);
}

void ini_family_continuation(ini_parser *p, const char *v)
{
    if (p->sect == SECT_FAMILY && p->key == 0)
        add_members(p, v);
    else
        ini_err(p, p->lineno, "a member key does not continue on an indented line");
}

/* TEXT with {{ member }} and {{ member.KEY }} replaced for member NAME
 * (QUOTE: as one shell word each); other templates are kept. A key NAME
 * lacks is reported at LINE when WHAT (what the text is) is given. */
static char *render(ini_parser *p, const char *text, const char *name, bool quote, int line,
                    const char *what)
{
    const family_member *m = find_sect(p->fam, name);
    strbuf out = {0};
    const char *s = text ? text : "";
    for (;;) {
        const char *open = strstr(s, "{{");
        const char *close = open ? strstr(open + 2, "}}") : NULL;
        if (!close) {
            sb_append(&out, s);
            break;
        }
        const char *a = open + 2, *b = close;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        size_t len = (size_t)(b - a);
        sb_append_len(&out, s, (size_t)(open - s));
        s = close + 2;
        const char *value = NULL;
        if (len == 6 && memcmp(a, "member", 6) == 0) {
            value = name;
        } else if (len > 7 && memcmp(a, "member.", 7) == 0) {
            char *key = xstrndup(a + 7, len - 7);
            for (size_t i = 0; m && i < m->keys.n && !value; i++)
                if (strcmp(m->keys.items[i], key) == 0)
                    value = m->values.items[i];
            if (!value && what)
                ini_err(p, line, "%s: member %s has no key \"%s\" (add %s = … to [member %s])",
                        what, name, key, key, name);
            free(key);
            if (!value)
                value = "";
        } else {
            sb_append_len(&out, open, (size_t)(close + 2 - open));
            continue;
        }
        if (quote) {
            char *q = shell_quote(value);
            sb_append(&out, q);
            free(q);
        } else {
            sb_append(&out, value);
        }
    }
    return sb_take(&out);
}

void ini_family_finish_id(ini_parser *p)
{
    ini_family *f = p->fam;
    dag *d = p->d;
    if (!f) {
        if (p->id_template)
            ini_err(p, p->id_line,
                    "bad DAG id \"%s\": templates in id are for families ([family] members = …)",
                    p->id_template);
        return;
    }
    if (!f->line) {
        ini_err(p, f->sect[0].line, "[member %s] without a [family] section", f->sect[0].name);
        return;
    }
    if (!f->members.n) {
        ini_err(p, f->line, "[family] needs members = NAME …");
        return;
    }
    for (size_t i = 0; i < f->n_sect; i++)
        if (!strlist_contains(&f->members, f->sect[i].name))
            ini_err(p, f->sect[i].line, "[member %s] is not listed in [family] members",
                    f->sect[i].name);
    if (!p->id_template || !strstr(p->id_template, "{{")) {
        int line = p->id_line               ? p->id_line
                   : p->dag_key_line[DK_ID] ? p->dag_key_line[DK_ID]
                   : p->dag_line            ? p->dag_line
                                            : f->line;
        ini_err(p, line, "a family's id must contain {{ member }} (e.g. id = etl_{{ member }})");
        return;
    }
    char *probe = render(p, p->id_template, f->members.items[0], false, 0, NULL);
    bool has_member = strcmp(probe, p->id_template) != 0;
    free(probe);
    if (!has_member || strstr(p->id_template, "{{ member.") ||
        strstr(p->id_template, "{{member.")) {
        ini_err(p, p->id_line, "a family's id must contain {{ member }} and no other template");
        return;
    }
    for (size_t i = 0; i < f->members.n; i++) {
        const char *name = f->members.items[i];
        if (p->member && strcmp(p->member, name) != 0)
            continue;
        char *id = render(p, p->id_template, name, false, 0, NULL);
        if (!dag_id_valid(id))
            ini_err(p, f->member_lines.a[i],
                    "member %s gives the DAG id \"%s\": use letters, digits, '_', '.' and '-'",
                    name, id);
        if (!d->id)
            d->id = id;
        else
            free(id);
    }
    d->family = ini_file_stem(p->file);
    d->member = xstrdup(p->member ? p->member : f->members.items[0]);
}

/* The line of the K-th line of task I's command. */
static int cmd_line(ini_parser *p, size_t i, size_t k)
{
    const task_meta *m = &p->meta[i];
    return k < m->cmd_lines.n ? m->cmd_lines.a[k] : p->d->tasks[i].command_line;
}

/* The command of task I for member NAME (CHECK: report missing keys). */
static char *render_command(ini_parser *p, size_t i, const char *name, bool check)
{
    dag_task *t = &p->d->tasks[i];
    strbuf out = {0};
    char what[300];
    snprintf(what, sizeof what, "task %s: command", t->id);
    const char *s = t->command;
    for (size_t k = 0; s && *s; k++) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        char *piece = xstrndup(s, len);
        char *r = render(p, piece, name, true, cmd_line(p, i, k), check ? what : NULL);
        sb_appendf(&out, "%s%s", k ? "\n" : "", r);
        free(r);
        free(piece);
        s += len + (nl != NULL);
    }
    return sb_take(&out);
}

void ini_family_apply(ini_parser *p)
{
    ini_family *f = p->fam;
    if (!f || !f->members.n || !p->d->member)
        return;
    const char *own = p->d->member;
    bool checking = !p->member;
    char what[300];
    for (size_t i = 0; i < p->d->n_tasks; i++) {
        dag_task *t = &p->d->tasks[i];
        task_meta *m = &p->meta[i];
        if (t->command && checking) {
            /* A member value is one quoted word: never inside quotes. */
            size_t at = (size_t)-1;
            char err[300];
            if (template_check_command(t->command, &at, err, sizeof err) < 0 && at != (size_t)-1) {
                size_t k = 0;
                for (size_t c = 0; c < at; c++)
                    k += t->command[c] == '\n';
                if (strstr(err, "member"))
                    ini_err(p, cmd_line(p, i, k), "task %s: command: %s", t->id, err);
            }
            for (size_t j = 0; j < f->members.n; j++)
                free(render_command(p, i, f->members.items[j], true));
        }
        if (t->command) {
            char *r = render_command(p, i, own, false);
            free(t->command);
            t->command = r;
        }
        for (size_t e = 0; e < t->env.n; e++) {
            snprintf(what, sizeof what, "task %s: env", t->id);
            for (size_t j = 0; checking && j < f->members.n; j++)
                free(render(p, t->env.items[e], f->members.items[j], false, m->env_lines.a[e],
                            what));
            char *r = render(p, t->env.items[e], own, false, 0, NULL);
            free(t->env.items[e]);
            t->env.items[e] = r;
        }
        if (t->image) {
            snprintf(what, sizeof what, "task %s: image", t->id);
            for (size_t j = 0; checking && j < f->members.n; j++)
                free(render(p, t->image, f->members.items[j], false, m->key_line[TK_IMAGE], what));
            char *r = render(p, t->image, own, false, 0, NULL);
            free(t->image);
            t->image = r;
        }
    }
}

void ini_family_free(ini_parser *p)
{
    ini_family *f = p->fam;
    free(p->id_template);
    if (!f)
        return;
    strlist_free(&f->members);
    free(f->member_lines.a);
    for (size_t i = 0; i < f->n_sect; i++) {
        free(f->sect[i].name);
        strlist_free(&f->sect[i].keys);
        strlist_free(&f->sect[i].values);
        free(f->sect[i].key_lines.a);
    }
    free(f->sect);
    free(f);
}

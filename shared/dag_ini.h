/* Private to the DAG file loader (dag_ini.c reads lines and sections,
 * dag_ini_keys.c turns keys into the model and validates it). */
#ifndef DAGD_DAG_INI_H
#define DAGD_DAG_INI_H

#include "dag.h"

#include <ini.h>
#include <stdint.h>
#include <stdio.h>

/* inih's buffer holds INI_MAX_LINE bytes with the NUL. */
#define INI_MAX_LINE_CHARS (INI_MAX_LINE - 1)

#define INI_CUT_WARNING                                                                            \
    "inline comment: inih cut the command at ' ;' (write 'a; b' without a space before ';')"

enum ini_sect {
    SECT_NONE,
    SECT_DAG,
    SECT_PARAMS,
    SECT_TASK,
    SECT_IGNORED,
    SECT_FAMILY,
    SECT_MEMBER
};
enum ini_line_kind { LINE_OTHER, LINE_KEY, LINE_CONT };

enum dag_key {
    DK_ID,
    DK_SCHEDULE,
    DK_START_DATE,
    DK_END_DATE,
    DK_TIMEZONE,
    DK_CATCHUP,
    DK_MAX_ACTIVE_RUNS,
    DK_MAX_ACTIVE_TASKS,
    DK_DEPENDS_ON_PAST,
    DK_RETRIES,
    DK_RETRY_DELAY,
    DK_TIMEOUT,
    DK_NOTIFY,
    DK_SLA,
    DK_EXECUTOR,
    DK_CATCHUP_WINDOW,
    DK_OVERLAP,
    DK_JITTER,
    DK_TRIGGER_FILES,
    DK_COUNT
};

enum task_key {
    TK_COMMAND,
    TK_UPSTREAM,
    TK_RETRIES,
    TK_RETRY_DELAY,
    TK_TIMEOUT,
    TK_POOL,
    TK_TRIGGER_RULE,
    TK_BRANCH,
    TK_DEPENDS_ON_PAST,
    TK_IMAGE,
    TK_ENV,
    TK_VOLUMES,
    TK_NETWORK,
    TK_USER,
    TK_WORKDIR,
    TK_ENTRYPOINT,
    TK_PULL,
    TK_KEEP,
    TK_MEMORY,
    TK_CPUS,
    TK_NOTIFY,
    TK_SLA,
    TK_EXECUTOR,
    TK_CONSTRAINTS,
    TK_GENERIC_RESOURCES,
    TK_COUNT
};

typedef struct intvec {
    int *a;
    size_t n, cap;
} intvec;

/* What the loader knows about one task beyond the model: where each key was. */
typedef struct task_meta {
    int key_line[TK_COUNT]; /* 0: key absent */
    bool set[TK_COUNT];     /* a non-empty value was given */
    intvec up_lines;        /* line of each upstream item */
    intvec env_lines;       /* line of each env item */
    intvec cmd_lines;       /* line of each line of the command */
    bool long_line;         /* a line of the section was too long to read */
    /* Items of upstream / notify once the list is long, so that "lists x
     * twice" is found in constant time (NULL while short). */
    strindex *up_ix, *notify_ix;
} task_meta;

/* A family file's [family] and [member NAME] sections (dag_family.c). */
typedef struct family_member {
    char *name;
    int line;
    strlist keys, values;
    intvec key_lines;
} family_member;

typedef struct ini_family {
    int line;         /* of [family] */
    int members_line; /* of members = */
    strlist members;
    intvec member_lines; /* line of each item of members */
    family_member *sect; /* the [member NAME] sections, in file order */
    size_t n_sect;
} ini_family;

typedef struct ini_parser {
    FILE *f;
    const char *file;
    diag_list *diags;
    size_t errors;
    dag *d;
    task_meta *meta; /* parallel to d->tasks */
    size_t task_cap;

    /* The line last handed to inih, and what inih will make of it. */
    int lineno;
    enum ini_line_kind kind;
    char raw[INI_MAX_LINE_CHARS + 1];
    bool prev_name; /* mirrors inih's: continuation lines are possible */

    enum ini_sect sect;
    size_t task; /* current task when sect == SECT_TASK */
    int key;     /* key (or param index) continuation lines add to; -1: none */

    int dag_line, params_line;
    int dag_key_line[DK_COUNT];
    char *start_date, *end_date; /* parsed once the timezone is known */

    /* The value continuation lines last grew (a command or a param), with its
     * length and size, so that a long script loads in linear time. */
    const char *cont_buf;
    size_t cont_len, cont_cap;

    strindex *param_ix; /* param name -> index */
    size_t param_cap;
    strindex *notify_ix; /* of [dag] notify, once long (add_items) */

    /* Families: what [family] and [member NAME] say (NULL: none seen), the
     * member this load builds (NULL: the checking load, dag_family.c), and
     * [dag] id when it holds a template. */
    ini_family *fam;
    const char *member;
    size_t cur_member; /* the [member NAME] section keys go to */
    char *id_template;
    int id_line;

    /* [dag] defaults for every task. */
    int def_retries;
    int64_t def_retry_delay, def_timeout;
    bool def_depends_on_past;
    int def_executor; /* enum task_executor for image tasks; DEFAULT: docker */
} ini_parser;

void ini_err(ini_parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ini_warn(ini_parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void intvec_push(intvec *v, int x);
/* One more line of a multi-line value: *S becomes V when empty, else gets
 * "\n" V appended (amortised: no copy of the value so far). */
void ini_append_line(ini_parser *p, char **s, const char *v);
const char *ini_section_label(ini_parser *p, char *buf, size_t len);

void ini_dag_key(ini_parser *p, const char *name, const char *value);
void ini_dag_continuation(ini_parser *p, const char *value);
void ini_task_key(ini_parser *p, const char *name, const char *value);
void ini_task_continuation(ini_parser *p, const char *value);
/* {{ outputs.TASK.KEY }} names a task upstream of its user (before
 * dag_link: tasks still in file order). */
void ini_check_outputs(ini_parser *p);
/* After the last line: defaults, dates, templates, links. */
void ini_finish(ini_parser *p);
/* The file name of NAME without its folder and ".ini": a DAG's default id,
 * a family's name (new string). */
char *ini_file_stem(const char *name);
/* Names for messages (dag_ini_keys.c): a task key (enum task_key), an
 * executor (enum task_executor). */
const char *ini_task_key_name(int key);
const char *ini_executor_name(int executor);

/* Families (dag_family.c). A [family] or [member NAME] header (NAME after
 * "member"); their keys and continuation lines; after the last line, the
 * id (before the default id is taken) and the tasks' member templates
 * (before their checks). */
void ini_family_section(ini_parser *p, const char *name);
void ini_family_key(ini_parser *p, const char *name, const char *value);
void ini_family_continuation(ini_parser *p, const char *value);
void ini_family_finish_id(ini_parser *p);
void ini_family_apply(ini_parser *p);
void ini_family_free(ini_parser *p);

/* One load of a file: MEMBER NULL checks it all (a family's member
 * templates against every member; MEMBERS gets a family's members), else
 * builds that member's DAG. */
dag *ini_load_pass(FILE *f, const char *name, const char *default_tz, diag_list *diags,
                   const char *member, strlist *members);

#endif

/* Loading every DAG of a file: the file's bytes read once, its version
 * (SHA-256) taken, and for a family one load per member (dag_family.c). */
#include "dag.h"
#include "dag_ini.h"
#include "sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The checking load, then one load per member with its values: a family
 * file is its own generator, each member a DAG of its own. */
size_t dag_load_text_all(const char *text, size_t len, const char *name, const char *default_tz,
                         diag_list *diags, dag ***out)
{
    *out = NULL;
    strlist members = {0};
    FILE *f = fmemopen((void *)text, len, "r");
    if (!f && len == 0)
        f = fmemopen((void *)"\n", 1, "r"); /* glibc refuses a size of 0 */
    if (!f) {
        diag_add(diags, name, 0, false, "cannot read: %s", strerror(errno));
        return 0;
    }
    dag *first = ini_load_pass(f, name, default_tz, diags, NULL, &members);
    fclose(f);
    if (!first) {
        strlist_free(&members);
        return 0;
    }
    char version[13];
    sha256_hex12(text, len, version);
    size_t n = members.n ? members.n : 1;
    dag **list = xcalloc(n, sizeof *list);
    if (!members.n) {
        list[0] = first;
    } else {
        dag_free(first);
        for (size_t i = 0; i < n; i++) {
            /* The checking load found every problem: these cannot fail,
             * but if one did, its messages are the file's. */
            diag_list quiet = {0};
            f = fmemopen((void *)text, len, "r");
            list[i] = f ? ini_load_pass(f, name, default_tz, &quiet, members.items[i], NULL) : NULL;
            if (f)
                fclose(f);
            if (!list[i]) {
                for (size_t k = 0; k < quiet.n; k++)
                    if (!quiet.items[k].warning)
                        diag_add(diags, name, quiet.items[k].line, false, "member %s: %s",
                                 members.items[i], quiet.items[k].message);
                diag_free(&quiet);
                dag_free_all(list, n);
                strlist_free(&members);
                return 0;
            }
            diag_free(&quiet);
        }
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(list[i]->version, version, sizeof version);
        list[i]->text = xmalloc(len + 1);
        memcpy(list[i]->text, text, len);
        list[i]->text[len] = '\0';
        list[i]->text_len = len;
    }
    strlist_free(&members);
    *out = list;
    return n;
}

size_t dag_load_file_all(const char *path, const char *default_tz, diag_list *diags, dag ***out)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        diag_add(diags, path, 0, false, "cannot open: %s", strerror(errno));
        return 0;
    }
    strbuf sb = {0};
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        sb_append_len(&sb, buf, got);
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        diag_add(diags, path, 0, false, "read error");
        sb_free(&sb);
        return 0;
    }
    size_t n = dag_load_text_all(sb.data ? sb.data : "", sb.len, path, default_tz, diags, out);
    sb_free(&sb);
    return n;
}

void dag_free_all(dag **list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        dag_free(list[i]);
    free(list);
}

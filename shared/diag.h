/* Problems found while loading a file, each as FILE:LINE: message. File
 * and message are kept as UTF-8: other bytes are written as \xNN. */
#ifndef DAGD_DIAG_H
#define DAGD_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct diag {
    char *file;
    int line; /* 0 when the problem is about the whole file */
    bool warning;
    char *message;
} diag;

typedef struct diag_list {
    diag *items;
    size_t n, cap;
} diag_list;

void diag_add(diag_list *l, const char *file, int line, bool warning, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
size_t diag_error_count(const diag_list *l);
/* "FILE:LINE: message" or "FILE:LINE: warning: message"; caller frees. */
char *diag_format(const diag *d);
void diag_print(const diag_list *l, FILE *out); /* the agent logs them with log_diags */
void diag_free(diag_list *l);

#endif

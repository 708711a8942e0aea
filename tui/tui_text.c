#include "tui_text.h"
#include "timeutil.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

size_t text_fit(const char *s, size_t n, int maxw, int *w)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t i = 0;
    int used = 0;
    while (i < n && s[i]) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s + i, n - i, &st);
        int cw;
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
            memset(&st, 0, sizeof st);
            k = 1;
            cw = 1;
        } else {
            cw = wcwidth(wc);
            if (cw < 0)
                cw = 1;
        }
        if (used + cw > maxw)
            break;
        used += cw;
        i += k;
    }
    if (w)
        *w = used;
    return i;
}

int text_width(const char *s)
{
    int w;
    text_fit(s, strlen(s), 1 << 30, &w);
    return w;
}

void text_relative(int64_t delta_us, char *buf, size_t len)
{
    if (delta_us <= 0) {
        snprintf(buf, len, "due");
        return;
    }
    int64_t s = delta_us / USEC_PER_SEC;
    if (s < 60)
        snprintf(buf, len, "in %llds", (long long)s);
    else if (s < 3600)
        snprintf(buf, len, "in %lldm", (long long)(s / 60));
    else if (s < 86400)
        snprintf(buf, len, "in %lldh", (long long)(s / 3600));
    else
        snprintf(buf, len, "in %lldd", (long long)(s / 86400));
}

void text_duration(int64_t us, char *buf, size_t len)
{
    if (us < 0)
        us = 0;
    long long s = (long long)(us / USEC_PER_SEC);
    if (s < 10 && us < 10 * USEC_PER_SEC)
        snprintf(buf, len, "%.1fs", (double)us / USEC_PER_SEC);
    else if (s < 60)
        snprintf(buf, len, "%llds", s);
    else if (s < 3600)
        snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
    else if (s < 86400)
        snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
    else
        snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

/* Length of the escape sequence at S[0] == ESC (CSI, OSC or a two-byte one). */
static size_t escape_len(const char *s, size_t n)
{
    if (n < 2)
        return 1;
    if (s[1] == '[') {
        size_t i = 2;
        while (i < n && !((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7e))
            i++;
        return i < n ? i + 1 : n;
    }
    if (s[1] == ']') {
        for (size_t i = 2; i < n; i++) {
            if (s[i] == '\a')
                return i + 1;
            if (s[i] == 0x1b && i + 1 < n && s[i + 1] == '\\')
                return i + 2;
        }
        return n;
    }
    return 2;
}

size_t text_clean_line(const char *s, size_t n, bool utf8, char *out, size_t outlen)
{
    size_t k = 0;
    size_t col = 0;
    for (size_t i = 0; i < n && k + 9 < outlen;) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x1b) {
            i += escape_len(s + i, n - i);
        } else if (c == '\t') {
            do {
                out[k++] = ' ';
                col++;
            } while (col % 8 && k + 1 < outlen);
            i++;
        } else if (c == '\r') {
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            out[k++] = '?';
            col++;
            i++;
        } else if (c < 0x80) {
            out[k++] = (char)c;
            col++;
            i++;
        } else {
            /* Only whole, printable characters reach the terminal. */
            wchar_t wc;
            mbstate_t st;
            memset(&st, 0, sizeof st);
            size_t len = utf8 ? mbrtowc(&wc, s + i, n - i, &st) : (size_t)-1;
            if (len == (size_t)-1 || len == (size_t)-2 || len == 0 || wcwidth(wc) < 0) {
                out[k++] = '?';
                col++;
                i++;
            } else {
                memcpy(out + k, s + i, len);
                k += len;
                col += (size_t)wcwidth(wc);
                i += len;
            }
        }
    }
    out[k] = '\0';
    return k;
}

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

/* What dagtop itself draws outside ASCII, and its ASCII look-alike. */
static const struct {
    const char *utf8, *ascii;
} look_alike[] = {
    {"—", "-"}, {"–", "-"}, {"…", "..."}, {"↑", "^"}, {"↓", "v"}, {"←", "<"}, {"→", ">"},
    {"‹", "<"}, {"›", ">"}, {"▸", ">"},   {"‖", "P"}, {"·", "."}, {"◷", "q"}, {"▶", ">"},
    {"✓", "+"}, {"✗", "x"}, {"↻", "r"},   {"⊘", "^"}, {"»", "s"},
};

/* Length of the UTF-8 sequence at S (1 for a byte that does not start or
 * complete one), without the locale. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t k = s[0] >= 0xf0 && s[0] < 0xf8 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 1;
    if (k > n)
        return 1;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 1;
    return k;
}

size_t text_ascii(const char *s, char *out, size_t outlen)
{
    if (outlen == 0)
        return 0;
    size_t n = strlen(s), k = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        const char *put = NULL;
        size_t adv = 1;
        char one[2] = {(char)c, '\0'};
        if (c < 0x80) {
            put = one;
        } else {
            adv = utf8_len((const unsigned char *)s + i, n - i);
            put = "?";
            for (size_t j = 0; j < sizeof look_alike / sizeof *look_alike; j++) {
                size_t m = strlen(look_alike[j].utf8);
                if (m == adv && memcmp(s + i, look_alike[j].utf8, m) == 0) {
                    put = look_alike[j].ascii;
                    break;
                }
            }
        }
        size_t m = strlen(put);
        if (k + m >= outlen)
            break;
        memcpy(out + k, put, m);
        k += m;
        i += adv;
    }
    out[k] = '\0';
    return k;
}

void text_hints(const text_hint *h, size_t n, int width, char *out, size_t outlen)
{
    bool keep[64];
    if (n > 64)
        n = 64;
    int total = 0;
    for (size_t i = 0; i < n; i++) {
        keep[i] = true;
        total += text_width(h[i].text) + (i ? 2 : 0);
    }
    /* Drop the least important hint until the rest fit. */
    for (size_t left = n; total > width && left > 1; left--) {
        size_t worst = n;
        for (size_t i = 0; i < n; i++)
            if (keep[i] && (worst == n || h[i].prio >= h[worst].prio))
                worst = i;
        keep[worst] = false;
        total -= text_width(h[worst].text) + 2;
    }
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        int w = snprintf(out + k, outlen - k, "%s%s", k ? "  " : "", h[i].text);
        if (w < 0 || (size_t)w >= outlen - k)
            break;
        k += (size_t)w;
    }
}

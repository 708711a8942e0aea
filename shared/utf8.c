#include "utf8.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t utf8_seq(const unsigned char *s, size_t n)
{
    if (s[0] >= 0x01 && s[0] < 0x80)
        return 1;
    size_t len;
    unsigned min, cp;
    if ((s[0] & 0xe0) == 0xc0)
        len = 2, min = 0x80, cp = s[0] & 0x1f;
    else if ((s[0] & 0xf0) == 0xe0)
        len = 3, min = 0x800, cp = s[0] & 0x0f;
    else if ((s[0] & 0xf8) == 0xf0)
        len = 4, min = 0x10000, cp = s[0] & 0x07;
    else
        return 0; /* NUL, a continuation byte, or 0xf8.. */
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0; /* overlong, beyond Unicode, or a surrogate */
    return len;
}

bool utf8_valid(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0, k; i < n; i += k)
        if (!(k = utf8_seq(u + i, n - i)))
            return false;
    return true;
}

char *utf8_escape(const char *s)
{
    if (!s)
        return NULL;
    if (utf8_valid(s))
        return xstrdup(s);
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    strbuf sb = {0};
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(u + i, n - i);
        if (k) {
            sb_append_len(&sb, s + i, k);
            i += k;
        } else {
            char hex[5];
            snprintf(hex, sizeof hex, "\\x%02x", u[i++]);
            sb_append_len(&sb, hex, 4);
        }
    }
    return sb_take(&sb);
}

json_t *json_text(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    char *clean = utf8_escape(s);
    j = json_string(clean);
    free(clean);
    return j ? j : json_null(); /* out of memory */
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--; /* not inside a character */
    return cut;
}

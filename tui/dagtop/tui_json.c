#include "tui_json.h"

#include <stdlib.h>
#include <string.h>

static size_t skip_ws(const char *p, size_t n, size_t i)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    return i;
}

/* One past the closing quote of the string starting at P[I] == '"', or 0. */
static size_t string_end(const char *p, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (p[i] == '\\')
            i++;
        else if (p[i] == '"')
            return i + 1;
    }
    return 0;
}

size_t tj_value_end(const char *p, size_t n, size_t pos, size_t *start)
{
    size_t i = skip_ws(p, n, pos);
    if (i >= n)
        return 0;
    *start = i;
    char c = p[i];
    if (c == '"')
        return string_end(p, n, i);
    if (c == '{' || c == '[') {
        /* Depth counting is enough: strings are skipped whole, and a
         * mismatched bracket kind is left for jansson to reject. */
        int depth = 0;
        for (; i < n; i++) {
            if (p[i] == '"') {
                size_t e = string_end(p, n, i);
                if (!e)
                    return 0;
                i = e - 1;
            } else if (p[i] == '{' || p[i] == '[') {
                depth++;
            } else if (p[i] == '}' || p[i] == ']') {
                if (--depth == 0)
                    return i + 1;
            }
        }
        return 0;
    }
    if (c == '}' || c == ']' || c == ',' || c == ':')
        return 0;
    /* A scalar: number, true, false, null. */
    while (i < n && !strchr(",}] \t\r\n:", p[i]))
        i++;
    return i;
}

/* Decode the key string at [s, e) into BUF, quotes removed. Keys with
 * escapes are rare; jansson decodes those. */
static bool decode_key(const char *s, size_t len, char *buf, size_t cap)
{
    if (len < 2)
        return false;
    if (!memchr(s, '\\', len)) {
        size_t k = len - 2;
        if (k >= cap)
            k = cap - 1;
        memcpy(buf, s + 1, k);
        buf[k] = '\0';
        return true;
    }
    return tj_string((tj_span){s, len}, buf, cap);
}

int tj_each_member(tj_span obj, tj_member_fn fn, void *ud)
{
    const char *p = obj.p;
    size_t n = obj.n;
    size_t i = skip_ws(p, n, 0);
    if (i >= n || p[i] != '{')
        return -1;
    i = skip_ws(p, n, i + 1);
    if (i < n && p[i] == '}')
        return 0;
    for (;;) {
        if (i >= n || p[i] != '"')
            return -1;
        size_t kend = string_end(p, n, i);
        if (!kend)
            return -1;
        char key[128];
        if (!decode_key(p + i, kend - i, key, sizeof key))
            return -1;
        i = skip_ws(p, n, kend);
        if (i >= n || p[i] != ':')
            return -1;
        size_t vstart;
        size_t vend = tj_value_end(p, n, i + 1, &vstart);
        if (!vend)
            return -1;
        if (!fn(ud, key, (tj_span){p + vstart, vend - vstart}))
            return 0;
        i = skip_ws(p, n, vend);
        if (i < n && p[i] == '}')
            return 0;
        if (i >= n || p[i] != ',')
            return -1;
        i = skip_ws(p, n, i + 1);
    }
}

int tj_each_element(tj_span arr, tj_element_fn fn, void *ud)
{
    const char *p = arr.p;
    size_t n = arr.n;
    size_t i = skip_ws(p, n, 0);
    if (i >= n || p[i] != '[')
        return -1;
    i = skip_ws(p, n, i + 1);
    if (i < n && p[i] == ']')
        return 0;
    for (size_t index = 0;; index++) {
        size_t vstart;
        size_t vend = tj_value_end(p, n, i, &vstart);
        if (!vend)
            return -1;
        if (!fn(ud, index, (tj_span){p + vstart, vend - vstart}))
            return 0;
        i = skip_ws(p, n, vend);
        if (i < n && p[i] == ']')
            return 0;
        if (i >= n || p[i] != ',')
            return -1;
        i++;
    }
}

struct find {
    const char *key;
    tj_span *out;
    bool found;
};

static bool find_member(void *ud, const char *key, tj_span value)
{
    struct find *f = ud;
    if (strcmp(key, f->key) != 0)
        return true;
    *f->out = value;
    f->found = true;
    return false;
}

bool tj_member(tj_span obj, const char *key, tj_span *out)
{
    struct find f = {key, out, false};
    tj_each_member(obj, find_member, &f);
    return f.found;
}

json_t *tj_parse(tj_span s)
{
    return json_loadb(s.p, s.n, JSON_DECODE_ANY, NULL);
}

bool tj_string(tj_span s, char *buf, size_t len)
{
    json_t *j = tj_parse(s);
    bool ok = json_is_string(j);
    if (ok) {
        const char *v = json_string_value(j);
        size_t k = strlen(v);
        if (k >= len)
            k = len - 1;
        memcpy(buf, v, k);
        buf[k] = '\0';
    }
    json_decref(j);
    return ok;
}

bool tj_is_true(tj_span s)
{
    return s.n == 4 && memcmp(s.p, "true", 4) == 0;
}

bool tj_int(tj_span s, long long *out)
{
    char buf[32];
    if (s.n == 0 || s.n >= sizeof buf)
        return false;
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    char *end;
    long long v = strtoll(buf, &end, 10);
    if (*end)
        return false;
    *out = v;
    return true;
}

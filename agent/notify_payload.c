#include "notify_payload.h"
#include "fsutil.h"
#include "utf8.h"
#include "util.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* JSON strings must be UTF-8; a log can hold anything. */
static void append_utf8(strbuf *sb, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq(u + i, n - i);
        if (k) {
            sb_append_len(sb, s + i, k);
            i += k;
        } else {
            sb_append(sb, "\xef\xbf\xbd"); /* U+FFFD */
            i++;
        }
    }
}

char *notify_tail_of(const char *buf, size_t len, int max_lines, bool cut_at_start)
{
    const char *start = buf, *end = buf + len;
    if (cut_at_start) {
        /* The first line was cut by the byte limit: drop it, unless it is
         * all there is. */
        const char *nl = memchr(buf, '\n', len);
        if (nl && nl + 1 < end)
            start = nl + 1;
    }
    while (end > start && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    const char *from = end;
    int lines = 0;
    while (from > start) {
        if (from[-1] == '\n' && ++lines >= max_lines)
            break;
        from--;
    }
    strbuf sb = {0};
    append_utf8(&sb, from, (size_t)(end - from));
    return sb_take(&sb);
}

char *notify_log_tail(const char *path, size_t skip, int max_lines, size_t max_bytes)
{
    size_t len;
    bool cut;
    char *buf = fs_read_tail(path, skip, max_bytes, &len, &cut);
    char *tail = buf ? notify_tail_of(buf, len, max_lines, cut) : NULL;
    free(buf);
    if (tail && !*tail) {
        free(tail);
        tail = NULL;
    }
    return tail;
}

static json_t *str_or_null(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (!j) {
        strbuf sb = {0};
        append_utf8(&sb, s, strlen(s));
        char *clean = sb_take(&sb);
        j = json_string(clean);
        free(clean);
    }
    return j ? j : json_null();
}

static char *dump(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s ? s : xstrdup("{}");
}

char *notify_webhook_body(const notify_msg *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "event", str_or_null(m->event));
    json_object_set_new(o, "dag_id", str_or_null(m->dag_id));
    json_object_set_new(o, "run_id", str_or_null(m->run_id));
    json_object_set_new(o, "task_id", str_or_null(m->task_id));
    json_object_set_new(o, "try_number",
                        m->try_number > 0 ? json_integer(m->try_number) : json_null());
    json_object_set_new(o, "state", str_or_null(m->state));
    json_object_set_new(o, "logical_date", str_or_null(m->logical_date));
    json_object_set_new(o, "log_tail", str_or_null(m->log_tail));
    json_object_set_new(o, "host", str_or_null(m->host));
    if (m->sla_s > 0)
        json_object_set_new(o, "sla_s", json_integer(m->sla_s));
    return dump(o);
}

/* Slack's mrkdwn gives & < > a meaning; they must be escaped. A ``` in a
 * log would end the code block early. */
static void append_slack(strbuf *sb, const char *s, bool in_code)
{
    for (; *s; s++) {
        if (*s == '&')
            sb_append(sb, "&amp;");
        else if (*s == '<')
            sb_append(sb, "&lt;");
        else if (*s == '>')
            sb_append(sb, "&gt;");
        else if (in_code && *s == '`')
            sb_append(sb, "'");
        else
            sb_append_len(sb, s, 1);
    }
}

static void headline(strbuf *sb, const notify_msg *m)
{
    static const struct {
        const char *event, *icon, *says;
    } kinds[] = {
        {"failure", ":red_circle:", "failed"},
        {"retry", ":warning:", "failed, will retry"},
        {"success", ":white_check_mark:", "succeeded"},
        {"sla_miss", ":hourglass:", "missed its SLA"},
        {"recovery", ":large_green_circle:", "recovered: succeeded after a failed run"},
        {"test", ":wave:", "test message"},
    };
    const char *icon = ":information_source:", *says = m->event ? m->event : "event";
    for (size_t i = 0; m->event && i < sizeof kinds / sizeof *kinds; i++) {
        if (strcmp(kinds[i].event, m->event) == 0) {
            icon = kinds[i].icon;
            says = kinds[i].says;
        }
    }
    sb_appendf(sb, "%s *dagd %s*: ", icon, m->event ? m->event : "event");
    if (m->task_id) {
        sb_append(sb, "task `");
        append_slack(sb, m->task_id, true);
        sb_append(sb, "` of ");
    }
    if (m->dag_id) {
        sb_append(sb, "DAG `");
        append_slack(sb, m->dag_id, true);
        sb_append(sb, "` ");
    }
    sb_append(sb, says);
    if (m->sla_s > 0)
        sb_appendf(sb, " (%llds after the run became due)", (long long)m->sla_s);
    sb_append(sb, "\n");
}

char *notify_slack_text(const notify_msg *m)
{
    strbuf sb = {0};
    headline(&sb, m);
    bool sep = false;
    if (m->logical_date) {
        sb_append(&sb, "logical date ");
        append_slack(&sb, m->logical_date, false);
        sep = true;
    }
    if (m->run_id) {
        sb_appendf(&sb, "%srun `", sep ? " · " : "");
        append_slack(&sb, m->run_id, true);
        sb_append(&sb, "`");
        sep = true;
    }
    if (m->try_number > 0) {
        sb_appendf(&sb, "%stry %d", sep ? " · " : "", m->try_number);
        sep = true;
    }
    if (m->state) {
        sb_appendf(&sb, "%sstate %s", sep ? " · " : "", m->state);
        sep = true;
    }
    if (m->host) {
        sb_appendf(&sb, "%shost ", sep ? " · " : "");
        append_slack(&sb, m->host, false);
        sep = true;
    }
    if (m->log_tail && *m->log_tail) {
        sb_append(&sb, "\n```\n");
        append_slack(&sb, m->log_tail, true);
        sb_append(&sb, "\n```");
    }
    return sb_take(&sb);
}

char *notify_slack_body(const notify_msg *m)
{
    char *text = notify_slack_text(m);
    json_t *o = json_object();
    json_object_set_new(o, "text", str_or_null(text));
    free(text);
    return dump(o);
}

int64_t notify_backoff_ms(int failed_tries)
{
    int64_t ms = NOTIFY_BACKOFF_BASE_MS;
    for (int i = 1; i < failed_tries && ms < NOTIFY_BACKOFF_MAX_MS; i++)
        ms *= 2;
    return ms < NOTIFY_BACKOFF_MAX_MS ? ms : NOTIFY_BACKOFF_MAX_MS;
}

bool notify_status_retryable(long status)
{
    return status == 0 || status == 408 || status == 429 || status >= 500;
}

static void replace_all(char **s, const char *what)
{
    size_t wlen = strlen(what);
    if (wlen < 2 || !strstr(*s, what))
        return;
    strbuf sb = {0};
    const char *p = *s;
    for (const char *hit; (hit = strstr(p, what)); p = hit + wlen) {
        sb_append_len(&sb, p, (size_t)(hit - p));
        sb_append(&sb, "<url>");
    }
    sb_append(&sb, p);
    free(*s);
    *s = sb_take(&sb);
}

char *notify_redact(const char *msg, const char *url)
{
    char *out = xstrdup(msg ? msg : "");
    if (!url || !*url)
        return out;
    replace_all(&out, url);
    const char *rest = strstr(url, "://");
    rest = rest ? rest + 3 : url;
    replace_all(&out, rest);
    /* The path and query: where Slack and most webhooks keep the token. */
    const char *path = strchr(rest, '/');
    if (!path)
        path = strchr(rest, '?');
    if (path)
        replace_all(&out, path);
    /* user:password@ */
    const char *at = strchr(rest, '@');
    if (at && (!path || at < path)) {
        char *userinfo = xstrndup(rest, (size_t)(at - rest));
        replace_all(&out, userinfo);
        free(userinfo);
    }
    return out;
}

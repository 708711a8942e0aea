/* libcurl, loaded when first used. Linking it outright maps its whole
 * dependency tree (TLS, Kerberos, LDAP, SSH, ...) into every agent, some
 * 8 MiB of RSS, though most agents send nothing over HTTP until a Docker
 * task or a notification needs it. These functions stand for the libcurl
 * calls the agent makes and forward them to the library opened with dlopen
 * on first use. */
#define CURL_DISABLE_TYPECHECK
#include "log.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#define CURL_LIBRARY "libcurl.so.4"

static struct {
    bool tried, ok;
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    char *(*easy_escape)(CURL *, const char *, int);
    void (*free_)(void *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_socket_action)(CURLM *, curl_socket_t, int, int *);
    CURLMcode (*multi_assign)(CURLM *, curl_socket_t, void *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    CURLMcode (*multi_cleanup)(CURLM *);
} lib;

#define BIND(field, name)                                                                          \
    do {                                                                                           \
        *(void **)&lib.field = dlsym(handle, name);                                                \
        ok = ok && lib.field;                                                                      \
    } while (0)

static bool load(void)
{
    if (lib.tried)
        return lib.ok;
    lib.tried = true;
    void *handle = dlopen(CURL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        log_error("cannot load %s: %s", CURL_LIBRARY, dlerror());
        return false;
    }
    bool ok = true;
    BIND(global_init, "curl_global_init");
    BIND(easy_init, "curl_easy_init");
    BIND(easy_setopt, "curl_easy_setopt");
    BIND(easy_getinfo, "curl_easy_getinfo");
    BIND(easy_cleanup, "curl_easy_cleanup");
    BIND(easy_strerror, "curl_easy_strerror");
    BIND(easy_escape, "curl_easy_escape");
    BIND(free_, "curl_free");
    BIND(slist_append, "curl_slist_append");
    BIND(slist_free_all, "curl_slist_free_all");
    BIND(multi_init, "curl_multi_init");
    BIND(multi_setopt, "curl_multi_setopt");
    BIND(multi_add_handle, "curl_multi_add_handle");
    BIND(multi_remove_handle, "curl_multi_remove_handle");
    BIND(multi_socket_action, "curl_multi_socket_action");
    BIND(multi_assign, "curl_multi_assign");
    BIND(multi_info_read, "curl_multi_info_read");
    BIND(multi_cleanup, "curl_multi_cleanup");
    if (!ok) {
        log_error("%s lacks a function dagd needs", CURL_LIBRARY);
        dlclose(handle);
        return false;
    }
    lib.ok = lib.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    return lib.ok;
}

CURLcode curl_global_init(long flags)
{
    (void)flags; /* done once by load() */
    return load() ? CURLE_OK : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
    return load() ? lib.easy_init() : NULL;
}

/* The option number tells the type of the one argument that follows
 * (curl.h: CURLOPTTYPE_*, the same ranges for multi options). */
#define FORWARD_OPTION(call, handle, option, ap)                                                   \
    ((option) < CURLOPTTYPE_OBJECTPOINT ? call(handle, option, va_arg(ap, long))                   \
     : (option) < CURLOPTTYPE_OFF_T     ? call(handle, option, va_arg(ap, void *))                 \
     : (option) < CURLOPTTYPE_BLOB      ? call(handle, option, va_arg(ap, curl_off_t))             \
                                        : call(handle, option, va_arg(ap, void *)))

CURLcode curl_easy_setopt(CURL *h, CURLoption option, ...)
{
    if (!load())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, option);
    CURLcode rc = FORWARD_OPTION(lib.easy_setopt, h, option, ap);
    va_end(ap);
    return rc;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption option, ...)
{
    if (!load())
        return CURLM_INTERNAL_ERROR;
    va_list ap;
    va_start(ap, option);
    CURLMcode rc = FORWARD_OPTION(lib.multi_setopt, m, option, ap);
    va_end(ap);
    return rc;
}

/* Every curl_easy_getinfo takes one pointer. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    if (!load())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, info);
    CURLcode rc = lib.easy_getinfo(h, info, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

void curl_easy_cleanup(CURL *h)
{
    if (load())
        lib.easy_cleanup(h);
}

const char *curl_easy_strerror(CURLcode code)
{
    return load() ? lib.easy_strerror(code) : "libcurl could not be loaded";
}

char *curl_easy_escape(CURL *h, const char *s, int len)
{
    return load() ? lib.easy_escape(h, s, len) : NULL;
}

void curl_free(void *p)
{
    if (load())
        lib.free_(p);
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
    return load() ? lib.slist_append(list, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
    if (load())
        lib.slist_free_all(list);
}

CURLM *curl_multi_init(void)
{
    return load() ? lib.multi_init() : NULL;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *h)
{
    return load() ? lib.multi_add_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h)
{
    return load() ? lib.multi_remove_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_socket_action(CURLM *m, curl_socket_t s, int mask, int *running)
{
    return load() ? lib.multi_socket_action(m, s, mask, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_assign(CURLM *m, curl_socket_t s, void *p)
{
    return load() ? lib.multi_assign(m, s, p) : CURLM_INTERNAL_ERROR;
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
    return load() ? lib.multi_info_read(m, left) : NULL;
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
    return load() ? lib.multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}

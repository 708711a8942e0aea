/* The demultiplexer of the Engine's stdout/stderr stream: frames split at
 * every byte, empty frames, large frames, and the skip of a resumed log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "docker_frames.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

typedef struct sink {
    strbuf out, err;
    int calls;
} sink;

static void collect(void *arg, int stream, const char *data, size_t len)
{
    sink *s = arg;
    s->calls++;
    sb_append_len(stream == FRAME_STDERR ? &s->err : &s->out, data, len);
}

/* Append one frame of STREAM holding TEXT to SB. */
static void frame(strbuf *sb, int stream, const char *text, size_t len)
{
    unsigned char h[8] = {(unsigned char)stream,
                          0,
                          0,
                          0,
                          (unsigned char)(len >> 24),
                          (unsigned char)(len >> 16),
                          (unsigned char)(len >> 8),
                          (unsigned char)len};
    sb_append_len(sb, (const char *)h, 8);
    sb_append_len(sb, text, len);
}

static strbuf sample(void)
{
    strbuf sb = {0};
    frame(&sb, FRAME_STDOUT, "hello\n", 6);
    frame(&sb, FRAME_STDERR, "oops\n", 5);
    frame(&sb, FRAME_STDOUT, "", 0);
    frame(&sb, FRAME_STDOUT, "world\n", 6);
    return sb;
}

static void check_sample(sink *s)
{
    assert_string_equal(s->out.data, "hello\nworld\n");
    assert_string_equal(s->err.data, "oops\n");
}

static void test_whole(void **state)
{
    (void)state;
    strbuf in = sample();
    sink s = {0};
    frame_demux d;
    frame_demux_init(&d, 0);
    frame_demux_feed(&d, in.data, in.len, collect, &s);
    check_sample(&s);
    assert_int_equal(s.calls, 3); /* the empty frame emits nothing */
    assert_false(frame_demux_partial(&d));
    sb_free(&in), sb_free(&s.out), sb_free(&s.err);
}

static void test_byte_by_byte(void **state)
{
    (void)state;
    strbuf in = sample();
    sink s = {0};
    frame_demux d;
    frame_demux_init(&d, 0);
    for (size_t k = 0; k < in.len; k++) {
        frame_demux_feed(&d, in.data + k, 1, collect, &s);
        if (k == 3) /* inside the first header */
            assert_true(frame_demux_partial(&d));
    }
    check_sample(&s);
    assert_false(frame_demux_partial(&d));
    sb_free(&in), sb_free(&s.out), sb_free(&s.err);
}

static void test_every_split_point(void **state)
{
    (void)state;
    strbuf in = sample();
    for (size_t cut = 0; cut <= in.len; cut++) {
        sink s = {0};
        frame_demux d;
        frame_demux_init(&d, 0);
        frame_demux_feed(&d, in.data, cut, collect, &s);
        frame_demux_feed(&d, in.data + cut, in.len - cut, collect, &s);
        check_sample(&s);
        sb_free(&s.out), sb_free(&s.err);
    }
    sb_free(&in);
}

static void test_large_frame(void **state)
{
    (void)state;
    size_t n = 300000; /* size bytes beyond the lowest two */
    char *big = xmalloc(n);
    memset(big, 'x', n);
    strbuf in = {0};
    frame(&in, FRAME_STDOUT, big, n);
    sink s = {0};
    frame_demux d;
    frame_demux_init(&d, 0);
    for (size_t off = 0; off < in.len; off += 4096) {
        size_t len = in.len - off < 4096 ? in.len - off : 4096;
        frame_demux_feed(&d, in.data + off, len, collect, &s);
    }
    assert_int_equal(s.out.len, n);
    assert_memory_equal(s.out.data, big, n);
    free(big);
    sb_free(&in), sb_free(&s.out), sb_free(&s.err);
}

/* A reattach resumes the log: the first SKIP payload bytes (of either
 * stream, in order) are in the file already. */
static void test_skip(void **state)
{
    (void)state;
    strbuf in = sample();
    sink s = {0};
    frame_demux d;
    frame_demux_init(&d, 8); /* "hello\n" and "oo" of "oops\n" */
    frame_demux_feed(&d, in.data, in.len, collect, &s);
    assert_string_equal(s.out.data, "world\n");
    assert_string_equal(s.err.data, "ps\n");
    sb_free(&in), sb_free(&s.out), sb_free(&s.err);
}

static void test_truncated(void **state)
{
    (void)state;
    strbuf in = sample();
    sink s = {0};
    frame_demux d;
    frame_demux_init(&d, 0);
    frame_demux_feed(&d, in.data, in.len - 2, collect, &s);
    assert_true(frame_demux_partial(&d));
    assert_string_equal(s.out.data, "hello\nworl");
    sb_free(&in), sb_free(&s.out), sb_free(&s.err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_every_split_point),
        cmocka_unit_test(test_large_frame),
        cmocka_unit_test(test_skip),
        cmocka_unit_test(test_truncated),
    };
    return cmocka_run_group_tests_name("docker_frames", tests, NULL, NULL);
}

/* The Docker Engine's multiplexed stream (logs and attach without a TTY):
 * each frame is an 8-byte header [stream, 0, 0, 0, size as big-endian
 * uint32] followed by SIZE payload bytes. Frames arrive split across reads
 * at any byte, so the demultiplexer keeps state between feeds. */
#ifndef DAGD_DOCKER_FRAMES_H
#define DAGD_DOCKER_FRAMES_H

#include <stddef.h>
#include <stdint.h>

enum { FRAME_STDIN = 0, FRAME_STDOUT = 1, FRAME_STDERR = 2, FRAME_SYSTEMERR = 3 };

typedef struct frame_demux {
    unsigned char hdr[8];
    size_t hdr_len;     /* header bytes seen of the current frame */
    uint32_t remaining; /* payload bytes still to come of the current frame */
    int stream;
    uint64_t skip; /* payload bytes to drop first (a reattach resumes the log) */
} frame_demux;

/* Receives payload bytes in order; a frame's payload may come in pieces. */
typedef void (*frame_out_fn)(void *arg, int stream, const char *data, size_t len);

void frame_demux_init(frame_demux *d, uint64_t skip);
void frame_demux_feed(frame_demux *d, const char *data, size_t len, frame_out_fn out, void *arg);
/* True when the stream ended in the middle of a frame. */
int frame_demux_partial(const frame_demux *d);

#endif

#include "docker_frames.h"

#include <string.h>

void frame_demux_init(frame_demux *d, uint64_t skip)
{
    memset(d, 0, sizeof *d);
    d->skip = skip;
}

static void emit(frame_demux *d, const char *data, size_t len, frame_out_fn out, void *arg)
{
    if (d->skip) {
        size_t drop = d->skip < len ? (size_t)d->skip : len;
        d->skip -= drop;
        data += drop;
        len -= drop;
    }
    if (len)
        out(arg, d->stream, data, len);
}

void frame_demux_feed(frame_demux *d, const char *data, size_t len, frame_out_fn out, void *arg)
{
    while (len) {
        if (d->remaining == 0) {
            size_t want = sizeof d->hdr - d->hdr_len;
            size_t take = len < want ? len : want;
            memcpy(d->hdr + d->hdr_len, data, take);
            d->hdr_len += take;
            data += take;
            len -= take;
            if (d->hdr_len < sizeof d->hdr)
                return;
            d->hdr_len = 0;
            d->stream = d->hdr[0];
            d->remaining = (uint32_t)d->hdr[4] << 24 | (uint32_t)d->hdr[5] << 16 |
                           (uint32_t)d->hdr[6] << 8 | (uint32_t)d->hdr[7];
            continue; /* an empty frame carries nothing */
        }
        size_t take = len < d->remaining ? len : d->remaining;
        emit(d, data, take, out, arg);
        d->remaining -= (uint32_t)take;
        data += take;
        len -= take;
    }
}

int frame_demux_partial(const frame_demux *d)
{
    return d->hdr_len != 0 || d->remaining != 0;
}

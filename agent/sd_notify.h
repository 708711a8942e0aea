/* systemd's notify protocol, hand-written (no libsystemd): an adapter that
 * knows nothing of the agent. Inactive (every call a no-op) unless
 * $NOTIFY_SOCKET was set at sdn_init. */
#ifndef DAGD_SD_NOTIFY_H
#define DAGD_SD_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

/* Read $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID, then unset them so
 * that no task inherits them. True when a socket is named. */
bool sdn_init(void);
/* One datagram of newline-separated KEY=VALUE lines; 0 sent or inactive,
 * -1 with errno. Never blocks. */
int sdn_send(const char *state);
int sdn_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* RELOADING=1 with MONOTONIC_USEC (what Type=notify-reload asks for too). */
int sdn_reloading(void);
/* The watchdog interval systemd expects pings within, 0: none asked (or not
 * for this process, per $WATCHDOG_PID). */
uint64_t sdn_watchdog_usec(void);
void sdn_close(void);

#endif

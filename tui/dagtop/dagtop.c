/* dagtop: the full-screen grid of a dagd agent. One libuv loop drives the
 * agent connection, the keyboard (stdin polled), SIGWINCH and the timers. */
#include "conn.h"
#include "timeutil.h"
#include "tui_app.h"
#include "tui_keys.h"
#include "tui_theme.h"
#include "version.h"

#include <locale.h>
#include <malloc.h>
#include <ncurses.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static app A;
static uv_poll_t input;
static uv_signal_t sig_winch, sig_int, sig_term, sig_hup;
static bool stopping;

static void stop(void)
{
    if (stopping)
        return;
    stopping = true;
    A.quit = true;
    uv_close((uv_handle_t *)&input, NULL);
    uv_close((uv_handle_t *)&sig_winch, NULL);
    uv_close((uv_handle_t *)&sig_int, NULL);
    uv_close((uv_handle_t *)&sig_term, NULL);
    uv_close((uv_handle_t *)&sig_hup, NULL);
    app_free(&A);
}

/* Every key waiting is handled, then one redraw. With DAGTOP_TRACE the time
 * from reading the first key to the end of doupdate() is written down. */
static int drain_input(void)
{
    int64_t t0 = 0;
    int rd = 0, n = 0, first = 0;
    for (;;) {
        wint_t wc;
        int r = get_wch(&wc);
        if (r == ERR)
            break;
        if (!t0) {
            t0 = time_mono_us();
            first = r == KEY_CODE_YES ? TK_FN((int)wc) : (int)wc;
        }
        rd |= app_key(&A, r == KEY_CODE_YES ? TK_FN((int)wc) : (int)wc);
        n++;
        if (rd & RD_QUIT)
            break;
    }
    if (rd & RD_QUIT) {
        stop();
        return n;
    }
    if (n) {
        app_draw(&A);
        if (A.trace) {
            fprintf(A.trace, "key %d n=%d us=%lld\n", first, n, (long long)(time_mono_us() - t0));
            fflush(A.trace);
        }
    }
    return n;
}

static void on_input(uv_poll_t *h, int status, int events)
{
    (void)h;
    static int idle;
    if (status < 0 || (events & UV_DISCONNECT)) { /* the terminal went away */
        stop();
        return;
    }
    /* Readable yet nothing to read, again and again: a hung-up terminal
     * that did not say so. Leave rather than spin. */
    idle = drain_input() ? 0 : idle + 1;
    if (idle > 1000)
        stop();
}

static void on_winch(uv_signal_t *s, int signum)
{
    (void)s;
    (void)signum;
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    /* What the terminal shows after a resize is its own business: repaint. */
    clearok(curscr, TRUE);
    drain_input(); /* a KEY_RESIZE may be queued */
    if (!stopping)
        app_draw(&A);
}

static void on_stop_signal(uv_signal_t *s, int signum)
{
    (void)s;
    (void)signum;
    stop();
}

static int usage(FILE *to, int code)
{
    fprintf(to, "usage: dagtop [-s SOCKET]\n"
                "  -s SOCKET   the agent's socket (default: $DAGD_SOCKET, ./var/dagd.sock,\n"
                "              /var/lib/dagd/dagd.sock)\n"
                "  DAGTOP_TRACE=FILE writes keypress-to-redraw times to FILE\n");
    return code;
}

int main(int argc, char **argv)
{
    const char *sock = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            sock = argv[++i];
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return usage(stdout, 0);
        else if (strcmp(argv[i], "--version") == 0) {
            printf("dagtop %s\n", DAGD_VERSION);
            return 0;
        } else
            return usage(stderr, 2);
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "dagtop: needs a terminal (use dagctl in scripts)\n");
        return 2;
    }
    setlocale(LC_ALL, "");
    /* A fixed threshold: big reply buffers go back to the system when freed
     * instead of raising glibc's dynamic threshold and staying resident. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    const char *trace = getenv("DAGTOP_TRACE");

    uv_loop_t *loop = uv_default_loop();
    /* Our SIGWINCH handler first, so ncurses leaves the signal to the loop. */
    uv_signal_init(loop, &sig_winch);
    uv_signal_start(&sig_winch, on_winch, SIGWINCH);
    uv_signal_init(loop, &sig_int);
    uv_signal_start(&sig_int, on_stop_signal, SIGINT);
    uv_signal_init(loop, &sig_term);
    uv_signal_start(&sig_term, on_stop_signal, SIGTERM);
    uv_signal_init(loop, &sig_hup);
    uv_signal_start(&sig_hup, on_stop_signal, SIGHUP);

    if (!initscr()) {
        fprintf(stderr, "dagtop: cannot initialise the terminal\n");
        return 2;
    }
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    /* Presses only, each on its own: dagtop tells a double click itself. */
    mouseinterval(0);
    mousemask(BUTTON1_PRESSED, NULL);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    bool utf8 = theme_locale_utf8();
    theme_init(utf8);

    app_init(&A, loop, conn_default_path(sock));
    A.utf8 = utf8;
    if (trace && *trace)
        A.trace = fopen(trace, "a");
    uv_poll_init(loop, &input, STDIN_FILENO);
    uv_poll_start(&input, UV_READABLE | UV_DISCONNECT, on_input);
    app_draw(&A);

    uv_run(loop, UV_RUN_DEFAULT);
    endwin();
    if (A.trace)
        fclose(A.trace);
    uv_loop_close(loop);
    return 0;
}

/* tui_term: curses set-up and restore, signals, and the copy of a tui_grid to the screen.
 * The only file that talks to curses besides none: views draw into grids (tui_draw). */
#include "tui/tui_term.h"

#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

static bool open_, colour, utf8, high;
static volatile sig_atomic_t signalled;

static void on_end(int sig)
{
    signalled = sig;
}

/* A crash: give the terminal back first, then let the signal do what it would have done. */
static void on_crash(int sig)
{
    if (open_) endwin();
    signal(sig, SIG_DFL);
    raise(sig);
}

int tui_term_open(void)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) return -1;
    setlocale(LC_CTYPE, ""); /* LC_CTYPE only: numbers in files keep their '.' */
    const char *cs = nl_langinfo(CODESET);
    utf8 = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
    if (!initscr()) return -1;
    open_ = true;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    const char *nc = getenv("NO_COLOR");
    colour = has_colors() && !(nc && *nc);
    if (colour) {
        start_color();
        use_default_colors();
        tui_term_theme(false);
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_end;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGABRT, &sa, NULL);
    atexit(tui_term_close);
    return 0;
}

void tui_term_theme(bool high_contrast)
{
    high = high_contrast;
    if (!colour) return;
    /* one pair per style; colours that also differ in brightness read in greyscale */
    static const short fg[TUI_STYLE_COUNT] = {-1, COLOR_BLUE, COLOR_BLUE, COLOR_WHITE,
                                              COLOR_YELLOW, COLOR_CYAN, COLOR_MAGENTA,
                                              COLOR_GREEN, COLOR_WHITE, COLOR_CYAN,
                                              COLOR_YELLOW, COLOR_YELLOW, COLOR_RED};
    /* for projectors: bright colours on black, nothing dim */
    static const short hc[TUI_STYLE_COUNT] = {COLOR_WHITE, COLOR_WHITE, COLOR_WHITE, COLOR_WHITE,
                                              COLOR_YELLOW, COLOR_CYAN, COLOR_WHITE,
                                              COLOR_GREEN, COLOR_WHITE, COLOR_CYAN,
                                              COLOR_YELLOW, COLOR_YELLOW, COLOR_RED};
    for (int i = 0; i < TUI_STYLE_COUNT; i++)
        if (i || high) init_pair((short)(i ? i : TUI_STYLE_COUNT), high ? hc[i] : fg[i], high ? COLOR_BLACK : -1);
    bkgd(high ? COLOR_PAIR(TUI_STYLE_COUNT) : A_NORMAL);
}

void tui_term_close(void)
{
    if (!open_) return;
    open_ = false;
    curs_set(1);
    endwin();
}

tui_charset tui_term_charset(void)
{
    return utf8 ? TUI_UTF8_BRAILLE : TUI_ASCII;
}

bool tui_term_colour(void)
{
    return colour;
}

void tui_term_size(int *w, int *h)
{
    getmaxyx(stdscr, *h, *w);
}

int tui_term_key(int ms)
{
    timeout(ms);
    int k = getch();
    return k == ERR ? -1 : k;
}

int tui_term_signalled(void)
{
    return signalled;
}

static attr_t style_attr(int style)
{
    if (colour) {
        attr_t a = style > 0 && style < TUI_STYLE_COUNT ? COLOR_PAIR(style)
                   : high ? COLOR_PAIR(TUI_STYLE_COUNT) : 0;
        if (high) return a | A_BOLD;
        if (style == TUI_STYLE_TITLE || style == TUI_STYLE_TRUE || style == TUI_STYLE_ERROR) a |= A_BOLD;
        if (style == TUI_STYLE_DIM) a |= A_DIM;
        return a;
    }
    /* monochrome: emphasis only where it carries meaning */
    switch (style) {
    case TUI_STYLE_TITLE:
    case TUI_STYLE_TRUE:
    case TUI_STYLE_ERROR: return A_BOLD;
    case TUI_STYLE_DIM:
    case TUI_STYLE_AXIS: return A_DIM;
    default: return A_NORMAL;
    }
}

void tui_term_show(const tui_grid *g)
{
    int w, h;
    getmaxyx(stdscr, h, w);
    int gw = tui_grid_width(g), gh = tui_grid_height(g);
    for (int y = 0; y < h && y < gh; y++) {
        move(y, 0);
        for (int x = 0; x < w && x < gw; x++) {
            const tui_cell *c = tui_grid_cell(g, x, y);
            attrset(style_attr(c->style));
            /* the last cell of the screen scrolls it in some terminals: skip it */
            if (y == h - 1 && x == w - 1) break;
            addstr(c->utf8);
        }
    }
    attrset(A_NORMAL);
    refresh();
}

/* tui_term: the terminal, and only the terminal. Sets curses up and always puts the terminal back:
 * on a normal end, on SIGINT and SIGTERM (reported through tui_term_signalled), and on a crash
 * (SIGSEGV, SIGBUS, SIGFPE, SIGABRT: restored, then the signal's default action). Ctrl-Z is left
 * to curses, which suspends and resumes cleanly. Copies a tui_grid to the screen. */
#ifndef DISTILLERY_TUI_TERM_H
#define DISTILLERY_TUI_TERM_H

#include <stdbool.h>

#include "tui/tui_draw.h"

/* Start curses. Colour unless the terminal has none or NO_COLOR is set; UTF-8 pictures when the
 * locale's character set is UTF-8, ASCII otherwise. -1 when there is no terminal. */
int tui_term_open(void);
void tui_term_close(void); /* safe to call twice */

tui_charset tui_term_charset(void);
bool tui_term_colour(void);

/* The normal theme, or a high-contrast one for projectors (bright bold colours on black). */
void tui_term_theme(bool high_contrast);

/* The terminal's size now. */
void tui_term_size(int *w, int *h);

/* A key, waiting at most ms milliseconds (0: do not wait); -1 when none came. KEY_RESIZE when
 * the terminal changed size. */
int tui_term_key(int ms);

/* Copy the grid to the screen and show it. */
void tui_term_show(const tui_grid *g);

/* The signal that asked the program to end (SIGINT, SIGTERM), or 0. */
int tui_term_signalled(void);

#endif

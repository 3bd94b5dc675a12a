/* tui: the live screen. Hosts a run the way run_headless does (same trainer, same script
 * schedules and hooks, same run directory) and shows it: what the teacher and the students believe
 * about a sample, where the loss comes from, how the accuracies move; keys change T, alpha and lr
 * while it trains. One thread: train for a time slice, poll the keys, redraw about 15 times a
 * second. */
#ifndef DISTILLERY_TUI_H
#define DISTILLERY_TUI_H

#include "distillery/train_settings.h"
#include "script/script.h"

/* Run o (finished and checked) on the screen with the script sc (NULL for none). The exit
 * status: 0 done or quit, 1 failed, 130 interrupted by a signal; -1 when there is no terminal
 * to draw on (nothing was started: run headless instead). */
int tui_run(train_settings *o, script *sc);

#endif

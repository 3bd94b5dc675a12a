/* tui_lesson: classroom mode. A lesson (kd.lesson{...}) asks a question, shows the bare answer
 * (a one-hot label) beside the teacher's soft labels at a temperature the keys move, and trains
 * two tiny students side by side, one from the hard label and one from the soft labels, so the
 * class sees which one learns how the wrong answers rank. A narration written in Lua (say,
 * wait_key, set, train, hide, reveal) steps through it on the space bar. */
#ifndef DISTILLERY_TUI_LESSON_H
#define DISTILLERY_TUI_LESSON_H

#include "script/script.h"

#define TUI_LESSON_EXPERIMENT 3

/* Run the lesson of sc on the screen. 0 when the user quits, TUI_LESSON_EXPERIMENT when the
 * lesson moves on to its experiment (x, or start_experiment() in the narration), 1 on a script
 * error, 130 on a signal, -1 when there is no terminal. */
int tui_lesson_run(script *sc);

#endif

/* script: the Lua 5.4 host. Loads an experiment script in a sandbox, turns the table it returns
 * (kd.experiment{...} or kd.sweep{...}) into train_settings, evaluates T, alpha and lr schedules
 * before each step, and calls the script's hooks on the trainer's events. Every call into Lua is
 * protected: an error comes back as "file:line: message" with a traceback, never as a crash.
 * A script_host is used by one thread at a time. */
#ifndef DISTILLERY_SCRIPT_H
#define DISTILLERY_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "distillery/train.h"
#include "distillery/train_settings.h"

typedef struct script script;

typedef enum { SCRIPT_NONE, SCRIPT_EXPERIMENT, SCRIPT_SWEEP, SCRIPT_LESSON } script_kind;

/* Lines a script prints go here (without the newline); by default to stdout. */
typedef void (*script_print_fn)(void *ud, const char *line);

/* Open path and run its main chunk. unsafe lifts the sandbox (all standard libraries, no
 * instruction budget, undefined globals read as nil). NULL with err on any failure (a missing
 * file, a syntax error, a runtime error: "exp.lua:12: ..."). Caller frees with script_close. */
script *script_open(const char *path, bool unsafe, char *err, size_t errlen);
void script_close(script *s);

void script_set_print(script *s, script_print_fn fn, void *ud);

/* What the main chunk returned. */
script_kind script_kind_of(const script *s);

/* The experiment's fields (a sweep's base) applied to out; the experiment's name defaults to the
 * script's file name. 0, or -1 with err. */
int script_settings(script *s, train_settings *out, char *err, size_t errlen);

/* A setting given on the command line (--set, a flag) replaces what the script said: a schedule
 * for T, alpha or lr is dropped. */
void script_override(script *s, const char *name);

/* Run the script's file again and take its hooks and schedules (the settings that shaped the
 * data and models stay as they are). On failure the old script goes on; -1 with err. */
int script_reload(script *s, char *err, size_t errlen);

/* The sweep's grid: the number of runs and the i-th run's T, alpha and seed applied to out (on
 * top of the base's settings). label receives "T=2 alpha=0.5 seed=1". */
int script_sweep_size(const script *s);
int script_sweep_apply(script *s, int i, train_settings *out, char *label, size_t labellen,
                       char *err, size_t errlen);

/* What hooks and schedules ask of the run, gathered until the caller applies them. */
typedef struct script_controls {
    bool has_T, has_alpha, has_lr;
    float T, alpha, lr;
    bool pause, stop;
} script_controls;

/* Give the trainer the values in c: through train_schedule (unlogged) for a schedule's values,
 * through train_set_* (each logged as an event) for what hooks asked. pause and stop are the
 * caller's to act on. */
void script_controls_apply(const script_controls *c, train *t, bool from_schedule);

/* Before a step: evaluate the schedules at the trainer's state into c. 0, or -1 with err
 * (a schedule's error, or a value out of range: "exp.lua:9: T must be > 0, got -1"). */
int script_schedule(script *s, const train_state *st, script_controls *c, char *err, size_t errlen);

/* The hooks. on_start before the first step; after each step, with the states before and after
 * it: on_phase when the phase changed, on_step when a training step was taken, on_epoch when an
 * epoch's evaluation completed; on_done at the end. Requests from ctx:set / ctx:pause / ctx:stop
 * are added to c. 0, or -1 with err. */
int script_on_start(script *s, const train_state *st, script_controls *c, char *err, size_t errlen);
int script_after_step(script *s, const train_state *before, const train_state *after,
                      script_controls *c, char *err, size_t errlen);
int script_on_done(script *s, const train_state *st, const char *status, const char *run_dir,
                   char *err, size_t errlen);

/* --- lessons: kd.lesson{...} ----------------------------------------------------------------- */

#define SCRIPT_MAX_ANSWERS 8

typedef struct script_question {
    char text[256];
    int n;                                   /* answers, 2..SCRIPT_MAX_ANSWERS */
    char answers[SCRIPT_MAX_ANSWERS][48];
    int correct;                             /* 0-based */
    float teacher[SCRIPT_MAX_ANSWERS];       /* the teacher's logits */
} script_question;

/* The lesson's title into buf, and its number of questions. A lesson may name an experiment
 * (kd.lesson{..., experiment = kd.experiment{...}}) to move on to: script_settings reads it. */
int script_lesson_size(script *s, char *title, size_t len);
/* Question i (0-based); -1 when out of range. */
int script_lesson_question(script *s, int i, script_question *q);

/* What the lesson's narration (its `script` function, run as a coroutine) asks for next. */
typedef enum {
    LESSON_END,      /* the narration is over (or there is none) */
    LESSON_SAY,      /* show text */
    LESSON_WAIT,     /* wait for the space bar */
    LESSON_SET_T,    /* set T to value */
    LESSON_TRAIN,    /* train both students value steps, visibly */
    LESSON_REVEAL,   /* show the bars */
    LESSON_HIDE,     /* hide the bars: predict, then reveal */
    LESSON_QUESTION, /* go to question value (0-based) */
    LESSON_EXPERIMENT /* leave the lesson for its experiment, trained on the live screen */
} lesson_op;

typedef struct lesson_cmd {
    lesson_op op;
    char text[512];
    double value;
} lesson_cmd;

/* Resume the narration until its next request. 0, or -1 with err ("lesson.lua:12: ..."). */
int script_lesson_next(script *s, lesson_cmd *cmd, char *err, size_t errlen);

/* Where the Lua half of the API is read from: $DISTILLERY_LUA_DIR, the source tree's lua/ for an
 * uninstalled build, or the installed copy. */
const char *script_lua_dir(void);

#endif

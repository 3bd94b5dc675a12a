/* script_kd: the `distillery` module's C half, for the Lua host (script.c) alone. */
#ifndef DISTILLERY_SCRIPT_KD_H
#define DISTILLERY_SCRIPT_KD_H

#include <stdbool.h>

#include <lua.h>

#include "distillery/train_settings.h"
#include "script/script.h"

/* metatable names that tag what the module's constructors return */
#define SCRIPT_TAG_EXPERIMENT "distillery.experiment"
#define SCRIPT_TAG_SWEEP "distillery.sweep"
#define SCRIPT_TAG_LESSON "distillery.lesson"

#define SCRIPT_NHOOKS 5
extern const char *const script_hook_names[SCRIPT_NHOOKS]; /* on_start, on_step, on_epoch, on_phase, on_done */

/* Push the module table (require "distillery"). */
int script_kd_open(lua_State *L);
/* Define a lesson's narration verbs (say, wait_key, set, train, hide, reveal, question,
 * start_experiment) as globals. */
void script_kd_verbs(lua_State *L);
/* Apply the experiment table at index t to ts; raises a Lua error on a bad field. */
void script_kd_apply_experiment(lua_State *L, int t, train_settings *ts);
/* The value at idx is a table tagged tag / a function or a table with __call. */
bool script_kd_has_tag(lua_State *L, int idx, const char *tag);
bool script_kd_is_callable(lua_State *L, int idx);

/* Provided by the host: kd.experiment tells it the line it was called from, for messages about
 * library schedules. */
void script_where(lua_State *L, const char *where);

#endif

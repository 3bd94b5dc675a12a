/* script: the Lua 5.4 host (the module's C half is script_kd).
 *
 * A script runs in a sandbox: base (without dofile and loadfile; load takes text only), string,
 * table, math, utf8, coroutine and os.time/os.clock; reading an undefined global is an error; a
 * count hook stops a call that runs past its instruction budget. require finds only the
 * distillery modules: the C one here and the Lua ones in script_lua_dir(), never the script's own
 * folder. Every call into Lua goes through call(), which pushes a traceback handler, resets the
 * budget and uses lua_pcall.
 */
#include "config.h"

#include "script/script.h"
#include "script/script_kd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>


#define BUDGET 200000000L /* VM instructions per call into Lua: a few seconds of a runaway loop */
#define BUDGET_STEP 10000 /* the count hook's period */
#define MEMORY ((size_t)512 << 20)
#define EXPERIMENT SCRIPT_TAG_EXPERIMENT
#define SWEEP SCRIPT_TAG_SWEEP
#define LESSON SCRIPT_TAG_LESSON
#define CTX "distillery.ctx"

enum { SCHED_T, SCHED_ALPHA, SCHED_LR, NSCHED };
static const char *const sched_names[NSCHED] = {"T", "alpha", "lr"};
enum { HOOK_START, HOOK_STEP, HOOK_EPOCH, HOOK_PHASE, HOOK_DONE, NHOOKS = SCRIPT_NHOOKS };
#define hook_names script_hook_names

struct script {
    lua_State *L;
    char path[1024];
    bool unsafe;
    long count;       /* instructions of the current call, in BUDGET_STEP units */
    size_t memory;    /* bytes the Lua state holds */
    int result;       /* registry ref of what the main chunk returned */
    int experiment;   /* registry ref of the experiment table (a sweep's base) */
    int sched[NSCHED];
    bool held[NSCHED]; /* a hook's ctx:set holds the value for the rest of this run */
    bool overridden[NSCHED]; /* the command line set the field: its schedule never runs */
    char where[256];   /* "exp.lua:12:", the line of the kd.experiment call */
    int hooks[NHOOKS];
    int ctx;          /* registry ref of the ctx table handed to hooks and schedules */
    int narration;    /* registry ref of the lesson's coroutine, once started */
    script_controls *controls; /* where ctx:set and friends write during a call */
    script_print_fn print;
    void *print_ud;
};

/* --- where things are ---------------------------------------------------------------------- */

static bool is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

const char *script_lua_dir(void)
{
    const char *e = getenv("DISTILLERY_LUA_DIR");
    if (e && *e) return e;
    if (is_dir(DISTILLERY_SRC_LUADIR "/distillery")) return DISTILLERY_SRC_LUADIR;
    return DISTILLERY_LUADIR;
}

static script *self(lua_State *L)
{
    script *s;
    lua_getallocf(L, (void **)&s);
    return s;
}

/* A sandboxed state may hold at most MEMORY bytes: string.rep("x", 1e12) fails, not the machine. */
static void *alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    script *s = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        s->memory -= old;
        return NULL;
    }
    if (!s->unsafe && nsize > old && s->memory + (nsize - old) > MEMORY) return NULL;
    void *p = realloc(ptr, nsize);
    if (p) s->memory = s->memory - old + nsize;
    return p;
}

/* --- protected calls ----------------------------------------------------------------------- */

static void budget_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    script *s = self(L);
    if (++s->count > BUDGET / BUDGET_STEP) {
        luaL_where(L, 0); /* in a hook, level 0 is the Lua function that was interrupted */
        lua_pushfstring(L, "instruction budget exceeded: more than %I instructions in one call "
                           "(an endless loop?); --unsafe-lua lifts the limit", (LUAI_UACINT)BUDGET);
        lua_concat(L, 2);
        lua_error(L);
    }
}

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Call the function below its nargs arguments on the stack. The error's first line (file:line:
 * message) goes to err; the traceback is dropped: the line says where, and headless logs stay
 * one line per event. */
static int call(script *s, int nargs, int nresults, char *err, size_t errlen)
{
    lua_State *L = s->L;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
    s->count = 0;
    int rc = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    if (rc == LUA_OK) return 0;
    const char *msg = lua_tostring(L, -1);
    size_t n = msg ? strcspn(msg, "\n") : 0;
    snprintf(err, errlen, "%.*s", (int)n, msg ? msg : "error");
    lua_pop(L, 1);
    return -1;
}

/* --- the sandbox --------------------------------------------------------------------------- */

static int l_print(lua_State *L)
{
    script *s = self(L);
    int n = lua_gettop(L); /* before luaL_buffinit, which may push a placeholder */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    const char *line = lua_tostring(L, -1);
    if (s->print) s->print(s->print_ud, line);
    else printf("%s\n", line), fflush(stdout);
    return 0;
}

/* load(chunk [, name [, mode [, env]]]) with text chunks only: precompiled chunks can crash the VM */
static int l_load(lua_State *L)
{
    size_t len;
    const char *chunk = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=(load)");
    int rc = luaL_loadbufferx(L, chunk, len, name, "t");
    if (rc != LUA_OK) {
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    if (!lua_isnoneornil(L, 4)) {
        lua_pushvalue(L, 4);
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return 1;
}

static int l_strict(lua_State *L)
{
    return luaL_error(L, "unknown global '%s'", luaL_checkstring(L, 2));
}


/* require: "distillery" is the C module, "distillery.NAME" a file of script_lua_dir(); with
 * --unsafe-lua anything else goes to Lua's own require. */
static int l_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, "distillery.modules");
    if (lua_getfield(L, -1, name) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    if (!strcmp(name, "distillery")) {
        script_kd_open(L);
    } else if (!strncmp(name, "distillery.", 11) && name[11] &&
               strspn(name + 11, "abcdefghijklmnopqrstuvwxyz_0123456789") == strlen(name + 11)) {
        char path[1200];
        snprintf(path, sizeof path, "%s/distillery/%s.lua", script_lua_dir(), name + 11);
        if (luaL_loadfilex(L, path, "t") != LUA_OK) return lua_error(L);
        lua_pushstring(L, name);
        lua_call(L, 1, 1);
    } else if (self(L)->unsafe && lua_getfield(L, LUA_REGISTRYINDEX, "distillery.require") == LUA_TFUNCTION) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
        return 1;
    } else {
        return luaL_error(L, "module '%s' not found: scripts can require only distillery and "
                             "distillery.* modules", name);
    }
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

static void sandbox(script *s)
{
    lua_State *L = s->L;
    if (s->unsafe) {
        luaL_openlibs(L);
        lua_getglobal(L, "require");
        lua_setfield(L, LUA_REGISTRYINDEX, "distillery.require");
    } else {
        static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},     {LUA_TABLIBNAME, luaopen_table},
                                        {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
                                        {LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_COLIBNAME, luaopen_coroutine},
                                        {NULL, NULL}};
        for (const luaL_Reg *l = libs; l->name; l++) {
            luaL_requiref(L, l->name, l->func, 1);
            lua_pop(L, 1);
        }
        /* os.time and os.clock only: the rest of os reaches the file system and the shell */
        luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
        lua_newtable(L);
        lua_getfield(L, -2, "time");
        lua_setfield(L, -2, "time");
        lua_getfield(L, -2, "clock");
        lua_setfield(L, -2, "clock");
        lua_setglobal(L, "os");
        lua_pop(L, 1);
        lua_pushnil(L);
        lua_setglobal(L, "dofile");
        lua_pushnil(L);
        lua_setglobal(L, "loadfile");
        lua_pushcfunction(L, l_load);
        lua_setglobal(L, "load");
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, BUDGET_STEP);
    }
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "distillery.modules");
    lua_pushcfunction(L, l_print);
    lua_setglobal(L, "print");
    lua_pushcfunction(L, l_require);
    lua_setglobal(L, "require");
    script_kd_verbs(L); /* a lesson's narration (the verbs work only inside it) */
    if (!s->unsafe) {
        lua_pushglobaltable(L);
        lua_newtable(L);
        lua_pushcfunction(L, l_strict);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, -2);
        lua_pop(L, 1);
    }
}

void script_where(lua_State *L, const char *where)
{
    snprintf(self(L)->where, sizeof self(L)->where, "%s", where);
}

/* --- ctx: what hooks and schedules see ----------------------------------------------------- */

static script_controls *controls(lua_State *L)
{
    script_controls *c = self(L)->controls;
    if (!c) luaL_error(L, "ctx: changes can be made only from a hook");
    return c;
}

/* ctx:set{T = 2, alpha = 0.5, lr = 1e-3}: from the next step on; a schedule for the same field
 * stops for the rest of this run (the next run of a sweep follows it again). */
static int l_ctx_set(lua_State *L)
{
    luaL_checktype(L, 2, LUA_TTABLE);
    script *s = self(L);
    script_controls *c = controls(L);
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        int ok;
        lua_Number v = lua_tonumberx(L, -1, &ok);
        if (!ok || !isfinite(v)) luaL_error(L, "ctx:set: %s must be a number", k);
        int which = -1;
        for (int i = 0; i < NSCHED; i++)
            if (!strcmp(k, sched_names[i])) which = i;
        if (which < 0) luaL_error(L, "ctx:set: unknown field '%s' (T, alpha or lr)", k);
        if (which == SCHED_T && !(v > 0)) luaL_error(L, "ctx:set: T must be > 0, got %f", v);
        if (which == SCHED_ALPHA && !(v >= 0 && v <= 1)) luaL_error(L, "ctx:set: alpha must be in [0, 1], got %f", v);
        if (which == SCHED_LR && !(v > 0)) luaL_error(L, "ctx:set: lr must be > 0, got %f", v);
        if (which == SCHED_T) c->has_T = true, c->T = (float)v;
        if (which == SCHED_ALPHA) c->has_alpha = true, c->alpha = (float)v;
        if (which == SCHED_LR) c->has_lr = true, c->lr = (float)v;
        s->held[which] = true;
        lua_pop(L, 1);
    }
    return 0;
}

static int l_ctx_pause(lua_State *L)
{
    controls(L)->pause = true;
    return 0;
}

static int l_ctx_stop(lua_State *L)
{
    controls(L)->stop = true;
    return 0;
}

/* A float setting as the decimal it was written as: ctx:set{alpha = 0.9} reads back 0.9, not
 * 0.8999999762 */
static double decimal(float f)
{
    char buf[64];
    train_format_number(buf, sizeof buf, f);
    return strtod(buf, NULL);
}

static void set_num(lua_State *L, const char *k, double v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, k);
}

static void set_int(lua_State *L, const char *k, long v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

/* t[name] = a table of one model's evaluation, or nil when there is none yet */
static void push_eval(lua_State *L, const train_eval *e, const train_eval *best, const char *name)
{
    if (!e->n) {
        lua_pushnil(L);
        lua_setfield(L, -2, name);
        return;
    }
    lua_createtable(L, 0, 6);
    set_num(L, "acc", e->acc);
    set_num(L, "loss", e->loss);
    set_int(L, "epoch", e->epoch);
    set_num(L, "best_acc", best->acc);
    lua_createtable(L, e->nclasses, 0);
    for (int k = 0; k < e->nclasses; k++) {
        lua_pushnumber(L, e->class_acc[k]);
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "class_acc");
    lua_setfield(L, -2, name);
}

/* Refresh ctx from the trainer's state and push it. */
static void push_ctx(script *s, const train_state *st)
{
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->ctx);
    bool distil = st->phase == TRAIN_PHASE_DISTIL, teacher = st->phase == TRAIN_PHASE_TEACHER;
    long total = distil ? st->distil_steps : teacher ? st->teacher_steps : 0;
    lua_pushstring(L, train_phase_name(st->phase));
    lua_setfield(L, -2, "phase");
    set_int(L, "epoch", st->epoch);
    set_int(L, "epochs", st->epochs);
    set_int(L, "step", st->step);
    set_int(L, "steps", total);
    set_num(L, "progress", total > 0 ? fmin(1.0, (double)st->step / (double)total)
                                     : st->phase >= TRAIN_PHASE_DONE ? 1.0 : 0.0);
    set_num(L, "T", decimal(st->T));
    set_num(L, "alpha", decimal(st->alpha));
    set_num(L, "lr", decimal(st->lr));
    lua_createtable(L, 0, 3);
    for (int m = 0; m < TRAIN_NMODELS; m++) {
        const train_metrics *r = &st->last[m];
        if (!r->step) continue;
        lua_createtable(L, 0, 5);
        set_num(L, "ce", r->ce);
        set_num(L, "kl", r->kl);
        set_num(L, "t2kl", r->t2kl);
        set_num(L, "loss", r->total);
        set_int(L, "step", r->step);
        lua_setfield(L, -2, train_model_name((train_model)m));
    }
    lua_setfield(L, -2, "metrics");
    lua_createtable(L, 0, 3);
    for (int m = 0; m < TRAIN_NMODELS; m++)
        push_eval(L, &st->eval[m], &st->best[m], train_model_name((train_model)m));
    lua_setfield(L, -2, "eval");
}

/* --- opening and reading a script ---------------------------------------------------------- */

script *script_open(const char *path, bool unsafe, char *err, size_t errlen)
{
    script *s = calloc(1, sizeof *s);
    if (!s) return snprintf(err, errlen, "out of memory"), NULL;
    snprintf(s->path, sizeof s->path, "%s", path);
    s->unsafe = unsafe;
    s->result = s->experiment = s->ctx = s->narration = LUA_NOREF;
    for (int i = 0; i < NSCHED; i++) s->sched[i] = LUA_NOREF;
    for (int i = 0; i < NHOOKS; i++) s->hooks[i] = LUA_NOREF;
    s->L = lua_newstate(alloc, s);
    if (!s->L) {
        free(s);
        return snprintf(err, errlen, "out of memory"), NULL;
    }
    lua_State *L = s->L;
    sandbox(s);
    luaL_newmetatable(L, EXPERIMENT);
    lua_pop(L, 1);
    luaL_newmetatable(L, SWEEP);
    lua_pop(L, 1);
    luaL_newmetatable(L, LESSON);
    lua_pop(L, 1);
    luaL_newmetatable(L, CTX);
    static const luaL_Reg methods[] = {{"set", l_ctx_set}, {"pause", l_ctx_pause},
                                       {"stop", l_ctx_stop}, {NULL, NULL}};
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    lua_newtable(L);
    luaL_setmetatable(L, CTX);
    s->ctx = luaL_ref(L, LUA_REGISTRYINDEX);

    /* text only, named "@path" so messages read "exp.lua:12: ..." */
    if (luaL_loadfilex(L, path, "t") != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        /* luaL_loadfilex says "cannot open PATH" for a missing file: keep its words */
        snprintf(err, errlen, "%s", msg ? msg : "cannot load the script");
        script_close(s);
        return NULL;
    }
    if (call(s, 0, 1, err, errlen)) {
        script_close(s);
        return NULL;
    }
    s->result = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->result);
    /* the experiment: the script's own, a sweep's base, or the one a lesson moves on to */
    if (script_kd_has_tag(L, -1, SWEEP)) lua_getfield(L, -1, "base");
    else if (script_kd_has_tag(L, -1, LESSON)) lua_getfield(L, -1, "experiment");
    else lua_pushvalue(L, -1);
    if (script_kd_has_tag(L, -1, EXPERIMENT)) {
        int t = lua_gettop(L);
        for (int i = 0; i < NSCHED; i++) {
            lua_getfield(L, t, sched_names[i]);
            if (script_kd_is_callable(L, -1)) s->sched[i] = luaL_ref(L, LUA_REGISTRYINDEX);
            else lua_pop(L, 1);
        }
        for (int i = 0; i < NHOOKS; i++) {
            lua_getfield(L, t, hook_names[i]);
            if (lua_isfunction(L, -1)) s->hooks[i] = luaL_ref(L, LUA_REGISTRYINDEX);
            else lua_pop(L, 1);
        }
        s->experiment = luaL_ref(L, LUA_REGISTRYINDEX);
    } else {
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return s;
}

void script_close(script *s)
{
    if (!s) return;
    if (s->L) lua_close(s->L);
    free(s);
}

void script_set_print(script *s, script_print_fn fn, void *ud)
{
    s->print = fn;
    s->print_ud = ud;
}

static bool result_is(const script *s, const char *tag)
{
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->result);
    bool is = script_kd_has_tag(s->L, -1, tag);
    lua_pop(s->L, 1);
    return is;
}

script_kind script_kind_of(const script *s)
{
    if (s->result != LUA_NOREF && result_is(s, LESSON)) return SCRIPT_LESSON;
    if (s->experiment == LUA_NOREF) return SCRIPT_NONE;
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->result);
    bool sweep = script_kd_has_tag(s->L, -1, SWEEP);
    lua_pop(s->L, 1);
    return sweep ? SCRIPT_SWEEP : SCRIPT_EXPERIMENT;
}

static int l_settings(lua_State *L)
{
    train_settings *ts = lua_touserdata(L, 2);
    script_kd_apply_experiment(L, 1, ts);
    return 0;
}

int script_settings(script *s, train_settings *out, char *err, size_t errlen)
{
    if (s->experiment == LUA_NOREF)
        return snprintf(err, errlen, "%s: the script must return kd.experiment{...} or "
                        "kd.sweep{...}", s->path), -1;
    /* the name defaults to the script's file name without .lua */
    const char *base = strrchr(s->path, '/');
    base = base ? base + 1 : s->path;
    snprintf(out->c.name, sizeof out->c.name, "%.*s", (int)strcspn(base, "."), base);
    lua_State *L = s->L;
    lua_pushcfunction(L, l_settings);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->experiment);
    lua_pushlightuserdata(L, out);
    return call(s, 2, 0, err, errlen);
}

void script_override(script *s, const char *name)
{
    for (int i = 0; i < NSCHED; i++)
        if (!strcmp(name, sched_names[i])) {
            luaL_unref(s->L, LUA_REGISTRYINDEX, s->sched[i]);
            s->sched[i] = LUA_NOREF;
            s->overridden[i] = true;
        }
}

int script_reload(script *s, char *err, size_t errlen)
{
    script *n = script_open(s->path, s->unsafe, err, errlen);
    if (!n) return -1;
    if (n->experiment == LUA_NOREF) {
        snprintf(err, errlen, "%s: the script must return kd.experiment{...}", s->path);
        script_close(n);
        return -1;
    }
    /* s keeps its address (the caller holds it) and takes the new state; n takes the old one
     * away. Each state finds its script through its allocator's ud. */
    script old = *s;
    *s = *n;
    *n = old;
    lua_setallocf(s->L, alloc, s);
    lua_setallocf(n->L, alloc, n);
    s->print = old.print;
    s->print_ud = old.print_ud;
    memcpy(s->held, old.held, sizeof s->held);
    for (int i = 0; i < NSCHED; i++)
        if (old.overridden[i]) script_override(s, sched_names[i]);
    script_close(n);
    return 0;
}

/* --- sweeps -------------------------------------------------------------------------------- */

static const char *const sweep_axes[3] = {"T", "alpha", "seeds"};

static int axis_len(const script *s, int a)
{
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->result);
    int n = lua_getfield(L, -1, sweep_axes[a]) == LUA_TTABLE ? (int)luaL_len(L, -1) : 1;
    lua_pop(L, 2);
    return n;
}

int script_sweep_size(const script *s)
{
    if (script_kind_of(s) != SCRIPT_SWEEP) return 0;
    return axis_len(s, 0) * axis_len(s, 1) * axis_len(s, 2);
}

int script_sweep_apply(script *s, int i, train_settings *out, char *label, size_t labellen,
                       char *err, size_t errlen)
{
    lua_State *L = s->L;
    static const char *const settings[3] = {"T", "alpha", "seed"};
    size_t used = 0;
    label[0] = '\0';
    /* the teacher keeps the base's seed, so one teacher serves every run */
    if (!out->teacher_seed_given) {
        out->c.teacher_seed = out->c.seed;
        out->teacher_seed_given = true;
    }
    for (int a = 0; a < 3; a++) {
        int n = axis_len(s, a), k = i % n;
        i /= n;
        lua_rawgeti(L, LUA_REGISTRYINDEX, s->result);
        if (lua_getfield(L, -1, sweep_axes[a]) != LUA_TTABLE) {
            lua_pop(L, 2);
            continue;
        }
        lua_geti(L, -1, k + 1);
        char text[64], shown[32];
        if (lua_isinteger(L, -1)) snprintf(text, sizeof text, "%lld", (long long)lua_tointeger(L, -1));
        else snprintf(text, sizeof text, "%.17g", (double)lua_tonumber(L, -1));
        snprintf(shown, sizeof shown, "%.6g", (double)lua_tonumber(L, -1));
        lua_pop(L, 3);
        if (train_settings_apply(out, settings[a], text, err, errlen)) return -1;
        script_override(s, settings[a]);
        if (used < labellen)
            used += (size_t)snprintf(label + used, labellen - used, "%s%s=%s", used ? " " : "",
                                     settings[a], shown);
    }
    return 0;
}

/* --- during a run -------------------------------------------------------------------------- */

int script_schedule(script *s, const train_state *st, script_controls *c, char *err, size_t errlen)
{
    /* T, alpha and the student's lr act only on distillation steps */
    if (st->phase != TRAIN_PHASE_DISTIL || st->evaluating) return 0;
    for (int i = 0; i < NSCHED; i++) {
        if (s->sched[i] == LUA_NOREF || s->held[i]) continue;
        lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->sched[i]);
        push_ctx(s, st);
        if (call(s, 1, 1, err, errlen)) return -1;
        int ok;
        double v = lua_tonumberx(s->L, -1, &ok);
        char got[64];
        if (ok) snprintf(got, sizeof got, "%g", v);
        else snprintf(got, sizeof got, "a %s", luaL_typename(s->L, -1));
        lua_pop(s->L, 1);
        const char *want = !ok || !isfinite(v) ? "a finite number"
                         : i == SCHED_ALPHA ? (v >= 0 && v <= 1 ? NULL : "a value in [0, 1]")
                         : v > 0 ? NULL : "a value > 0";
        if (want) {
            /* name the function's own line: the script wrote the schedule there */
            lua_Debug ar;
            lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->sched[i]);
            if (!lua_isfunction(s->L, -1)) { /* a callable table: its __call */
                lua_getmetatable(s->L, -1);
                lua_getfield(s->L, -1, "__call");
                lua_replace(s->L, -3);
                lua_pop(s->L, 1);
            }
            lua_getinfo(s->L, ">S", &ar);
            /* a function the script wrote is named by its line; a library schedule by the
             * experiment that uses it */
            char at[1100];
            if (ar.source[0] == '@' && !strcmp(ar.source + 1, s->path))
                snprintf(at, sizeof at, "%s:%d: ", ar.short_src, ar.linedefined);
            else if (s->where[0])
                snprintf(at, sizeof at, "%s", s->where); /* "exp.lua:12: " */
            else
                snprintf(at, sizeof at, "%s: ", s->path);
            snprintf(err, errlen, "%sthe schedule for %s must give %s, got %s at %s step %ld", at,
                     sched_names[i], want, got, train_phase_name(st->phase), st->step);
            return -1;
        }
        if (i == SCHED_T) c->has_T = true, c->T = (float)v;
        if (i == SCHED_ALPHA) c->has_alpha = true, c->alpha = (float)v;
        if (i == SCHED_LR) c->has_lr = true, c->lr = (float)v;
    }
    return 0;
}

/* Call hook h with ctx and, when extra is set, one more value already pushed by the caller. */
static int hook(script *s, int h, const train_state *st, bool extra, script_controls *c, char *err,
                size_t errlen)
{
    lua_State *L = s->L;
    if (s->hooks[h] == LUA_NOREF) {
        if (extra) lua_pop(L, 1);
        return 0;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->hooks[h]);
    push_ctx(s, st);
    if (extra) {
        lua_rotate(L, -3, 2); /* value, fn, ctx -> fn, ctx, value */
    }
    s->controls = c;
    int rc = call(s, extra ? 2 : 1, 0, err, errlen);
    s->controls = NULL;
    return rc;
}

int script_on_start(script *s, const train_state *st, script_controls *c, char *err, size_t errlen)
{
    memset(s->held, 0, sizeof s->held);
    return hook(s, HOOK_START, st, false, c, err, errlen);
}

int script_after_step(script *s, const train_state *before, const train_state *after,
                      script_controls *c, char *err, size_t errlen)
{
    lua_State *L = s->L;
    bool trained = after->step > before->step && after->phase == before->phase &&
                   (after->phase == TRAIN_PHASE_TEACHER || after->phase == TRAIN_PHASE_DISTIL);
    if (trained && s->hooks[HOOK_STEP] != LUA_NOREF) {
        train_model m = after->phase == TRAIN_PHASE_TEACHER ? TRAIN_TEACHER : TRAIN_STUDENT;
        const train_metrics *r = &after->last[m];
        lua_createtable(L, 0, 6);
        lua_pushstring(L, train_model_name(m));
        lua_setfield(L, -2, "model");
        set_num(L, "ce", r->ce);
        set_num(L, "kl", r->kl);
        set_num(L, "t2kl", r->t2kl);
        set_num(L, "loss", r->total);
        if (after->last[TRAIN_BASELINE].step == r->step && m == TRAIN_STUDENT)
            set_num(L, "baseline_loss", after->last[TRAIN_BASELINE].total);
        if (hook(s, HOOK_STEP, after, true, c, err, errlen)) return -1;
    }
    if (before->evaluating && !after->evaluating && s->hooks[HOOK_EPOCH] != LUA_NOREF) {
        const train_eval *e = &after->eval[before->phase == TRAIN_PHASE_TEACHER ? TRAIN_TEACHER : TRAIN_STUDENT];
        lua_createtable(L, 0, 5);
        set_int(L, "epoch", e->epoch);
        lua_pushstring(L, train_phase_name(before->phase));
        lua_setfield(L, -2, "phase");
        for (int m = 0; m < TRAIN_NMODELS; m++)
            push_eval(L, &after->eval[m], &after->best[m], train_model_name((train_model)m));
        if (after->eval[TRAIN_STUDENT].n && after->eval[TRAIN_BASELINE].n)
            set_num(L, "gain", after->eval[TRAIN_STUDENT].acc - after->eval[TRAIN_BASELINE].acc);
        /* the hook sees the epoch that was evaluated, not the one about to start */
        train_state seen = *after;
        seen.phase = before->phase;
        seen.epoch = before->epoch;
        seen.epochs = before->epochs;
        seen.step = before->step;
        if (hook(s, HOOK_EPOCH, &seen, true, c, err, errlen)) return -1;
    }
    /* after the last epoch's on_epoch: the phase that epoch belonged to is over */
    if (after->phase != before->phase) {
        lua_pushstring(L, train_phase_name(after->phase));
        if (hook(s, HOOK_PHASE, after, true, c, err, errlen)) return -1;
    }
    return 0;
}

int script_on_done(script *s, const train_state *st, const char *status, const char *run_dir,
                   char *err, size_t errlen)
{
    if (s->hooks[HOOK_DONE] == LUA_NOREF) return 0;
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->hooks[HOOK_DONE]);
    lua_createtable(L, 0, 6);
    lua_pushstring(L, status);
    lua_setfield(L, -2, "status");
    lua_pushstring(L, run_dir);
    lua_setfield(L, -2, "run_dir");
    for (int m = 0; m < TRAIN_NMODELS; m++)
        push_eval(L, &st->eval[m], &st->best[m], train_model_name((train_model)m));
    if (st->eval[TRAIN_STUDENT].n && st->eval[TRAIN_BASELINE].n)
        set_num(L, "gain", st->eval[TRAIN_STUDENT].acc - st->eval[TRAIN_BASELINE].acc);
    return call(s, 1, 0, err, errlen);
}

/* --- lessons, from the host's side --------------------------------------------------------- */

int script_lesson_size(script *s, char *title, size_t len)
{
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->result);
    lua_getfield(L, -1, "title");
    snprintf(title, len, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "a lesson");
    lua_getfield(L, -2, "questions");
    int n = (int)luaL_len(L, -1);
    lua_pop(L, 3);
    return n;
}

int script_lesson_question(script *s, int i, script_question *q)
{
    lua_State *L = s->L;
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->result);
    lua_getfield(L, -1, "questions");
    if (i < 0 || i >= luaL_len(L, -1)) {
        lua_settop(L, top);
        return -1;
    }
    lua_geti(L, -1, i + 1);
    int t = lua_gettop(L);
    memset(q, 0, sizeof *q);
    lua_getfield(L, t, "question");
    snprintf(q->text, sizeof q->text, "%s", lua_tostring(L, -1));
    lua_getfield(L, t, "correct");
    q->correct = (int)lua_tointeger(L, -1) - 1;
    lua_getfield(L, t, "answers");
    lua_getfield(L, t, "teacher");
    q->n = (int)luaL_len(L, -2);
    for (int k = 0; k < q->n; k++) {
        lua_geti(L, -2, k + 1);
        snprintf(q->answers[k], sizeof q->answers[k], "%s", lua_tostring(L, -1));
        lua_geti(L, -2, k + 1);
        q->teacher[k] = (float)lua_tonumber(L, -1);
        lua_pop(L, 2);
    }
    lua_settop(L, top);
    return 0;
}

int script_lesson_next(script *s, lesson_cmd *cmd, char *err, size_t errlen)
{
    lua_State *L = s->L;
    memset(cmd, 0, sizeof *cmd);
    cmd->op = LESSON_END;
    lua_State *co;
    int nargs = 0;
    if (s->narration == LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, s->result);
        if (lua_getfield(L, -1, "script") != LUA_TFUNCTION) {
            lua_pop(L, 2);
            return 0;
        }
        co = lua_newthread(L);
        lua_insert(L, -2);
        lua_xmove(L, co, 1); /* the function onto the coroutine */
        s->narration = luaL_ref(L, LUA_REGISTRYINDEX);
        lua_pop(L, 1);
    } else {
        lua_rawgeti(L, LUA_REGISTRYINDEX, s->narration);
        co = lua_tothread(L, -1);
        lua_pop(L, 1);
        int st = lua_status(co);
        if (st != LUA_YIELD) return 0; /* finished */
    }
    s->count = 0;
    int nres = 0;
    int rc = lua_resume(co, L, nargs, &nres);
    if (rc == LUA_OK) {
        lua_pop(co, nres);
        return 0;
    }
    if (rc != LUA_YIELD) {
        const char *msg = lua_tostring(co, -1);
        snprintf(err, errlen, "%s", msg ? msg : "error in the lesson's script");
        lua_pop(co, 1);
        return -1;
    }
    const char *op = nres > 0 ? lua_tostring(co, -nres) : NULL;
    static const struct { const char *name; lesson_op op; } ops[] = {
        {"say", LESSON_SAY}, {"wait", LESSON_WAIT}, {"set", LESSON_SET_T}, {"train", LESSON_TRAIN},
        {"reveal", LESSON_REVEAL}, {"hide", LESSON_HIDE}, {"question", LESSON_QUESTION},
        {"experiment", LESSON_EXPERIMENT}};
    for (size_t k = 0; op && k < sizeof ops / sizeof ops[0]; k++)
        if (!strcmp(op, ops[k].name)) cmd->op = ops[k].op;
    if (nres > 1) {
        if (lua_type(co, -nres + 1) == LUA_TSTRING)
            snprintf(cmd->text, sizeof cmd->text, "%s", lua_tostring(co, -nres + 1));
        else
            cmd->value = lua_tonumber(co, -nres + 1);
    }
    if (cmd->op == LESSON_QUESTION) cmd->value -= 1; /* Lua counts from 1 */
    lua_pop(co, nres);
    return 0;
}

void script_controls_apply(const script_controls *c, train *t, bool from_schedule)
{
    if (from_schedule) {
        train_state s;
        train_get_state(t, &s);
        train_schedule(t, c->has_T ? c->T : s.T, c->has_alpha ? c->alpha : s.alpha,
                       c->has_lr ? c->lr : s.lr);
        return;
    }
    if (c->has_T) train_set_T(t, c->T);
    if (c->has_alpha) train_set_alpha(t, c->alpha);
    if (c->has_lr) train_set_lr(t, c->lr);
}

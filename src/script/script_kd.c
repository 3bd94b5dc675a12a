/* script_kd: the C half of the `distillery` Lua module (kd.experiment, kd.data.*, kd.mlp, kd.adam,
 * kd.sgd, kd.load, kd.loss, kd.png, kd.sweep, kd.lesson), a lesson's narration verbs, and the
 * conversion of an experiment table into train_settings. kd.experiment{} validates its table at
 * once, by applying it to a scratch train_settings, so a wrong field is reported at the line of
 * the kd.experiment call; the same conversion later fills the real settings. */
#include "config.h"

#include "script/script_kd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "distillery/nn_loss.h"
#include "plot/plot_run.h"

const char *const script_hook_names[SCRIPT_NHOOKS] = {"on_start", "on_step", "on_epoch",
                                                      "on_phase", "on_done"};

bool script_kd_has_tag(lua_State *L, int idx, const char *tag)
{
    if (!lua_istable(L, idx) || !lua_getmetatable(L, idx)) return false;
    luaL_getmetatable(L, tag);
    bool same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same;
}

bool script_kd_is_callable(lua_State *L, int idx)
{
    if (lua_isfunction(L, idx)) return true;
    if (!lua_getmetatable(L, idx)) return false;
    bool call = lua_getfield(L, -1, "__call") == LUA_TFUNCTION;
    lua_pop(L, 2);
    return call;
}

/* A Lua value as a setting's text: numbers exactly, booleans as yes/no, lists joined by ','. */
static const char *setting_text(lua_State *L, int idx, const char *who, const char *key)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) return lua_pushfstring(L, "%I", (LUAI_UACINT)lua_tointeger(L, idx));
        else {
            /* a float keeps its point: transfer = 1.0 is the whole set, transfer = 1 one sample */
            char buf[64];
            snprintf(buf, sizeof buf, "%.17g", (double)lua_tonumber(L, idx));
            if (!strpbrk(buf, ".eEni")) strcat(buf, ".0");
            return lua_pushstring(L, buf);
        }
    case LUA_TSTRING: return lua_pushvalue(L, idx), lua_tostring(L, -1);
    case LUA_TBOOLEAN: return lua_pushstring(L, lua_toboolean(L, idx) ? "yes" : "no");
    case LUA_TTABLE: {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (lua_Integer i = 1, n = luaL_len(L, idx); i <= n; i++) {
            lua_geti(L, idx, i);
            if (!lua_isstring(L, -1))
                return luaL_error(L, "%s: field '%s' must list numbers or names, got a %s", who, key,
                                  luaL_typename(L, -1)), NULL;
            if (i > 1) luaL_addchar(&b, ',');
            luaL_addvalue(&b);
        }
        luaL_pushresult(&b);
        return lua_tostring(L, -1);
    }
    default:
        return luaL_error(L, "%s: field '%s' must be a number, a string or a boolean, got a %s", who,
                          key, luaL_typename(L, idx)), NULL;
    }
}

/* Apply one setting; a refusal becomes a Lua error at the script's line. */
static void apply(lua_State *L, train_settings *ts, const char *who, const char *name, int idx)
{
    char err[512];
    const train_option *op = train_option_find(name, strlen(name));
    if (!op) luaL_error(L, "%s: unknown field '%s'", who, name);
    const char *v = setting_text(L, idx, who, name);
    if (!op->arg) { /* a switch: true sets it, false leaves it */
        if (!lua_isboolean(L, idx)) luaL_error(L, "%s: field '%s' must be true or false", who, name);
        v = lua_toboolean(L, idx) ? NULL : "";
        if (v) {
            lua_pop(L, 1);
            return;
        }
    }
    if (train_settings_apply(ts, op->name, v, err, sizeof err)) luaL_error(L, "%s: %s", who, err);
    lua_pop(L, 1);
}

/* Apply t[key] (if present) as setting name. */
static void apply_field(lua_State *L, int t, const char *key, train_settings *ts, const char *who,
                        const char *name)
{
    if (lua_getfield(L, t, key) != LUA_TNIL) apply(L, ts, who, name, -1);
    lua_pop(L, 1);
}

/* Keys of t outside allowed[] are an error: a typo should not pass silently. */
static void check_keys(lua_State *L, int t, const char *who, const char *const *allowed)
{
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TNUMBER) continue; /* list part, checked by its owner */
        const char *k = lua_tostring(L, -1);
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++) ok = !strcmp(k, *a);
        if (!ok) luaL_error(L, "%s: unknown field '%s'", who, k);
    }
}

static void apply_data(lua_State *L, int t, train_settings *ts)
{
    if (lua_isstring(L, t)) {
        apply(L, ts, "kd.experiment", "data", t);
        return;
    }
    if (!lua_istable(L, t) || lua_getfield(L, t, "kind") != LUA_TSTRING)
        luaL_error(L, "kd.experiment: field 'data' must be kd.data.fashion_mnist{}, kd.data.idx{}, "
                      "kd.data.synthetic{} or a name");
    const char *kind = lua_tostring(L, -1);
    if (!strcmp(kind, "idx") || !strcmp(kind, "pngdir")) apply_field(L, t, "dir", ts, "kd.data", "data");
    else apply(L, ts, "kd.data", "data", -1);
    lua_pop(L, 1);
    apply_field(L, t, "ntrain", ts, "kd.data.synthetic", "synthetic-train");
    apply_field(L, t, "ntest", ts, "kd.data.synthetic", "synthetic-test");
    apply_field(L, t, "transfer", ts, "kd.data", "transfer");
    apply_field(L, t, "omit", ts, "kd.data", "omit");
    apply_field(L, t, "labeled", ts, "kd.data", "labeled");
    apply_field(L, t, "strict", ts, "kd.data.pngdir", "strict");
}

/* teacher / student: kd.mlp{}, widths as a string, a table {model = ..., epochs = ...}, or for
 * the teacher kd.load(path) */
static void apply_model(lua_State *L, int t, train_settings *ts, bool teacher)
{
    static const char *const teacher_keys[] = {"model", "epochs", "lr", "seed", "widths",
                                               "dropout", "kind", "path", NULL};
    static const char *const student_keys[] = {"model", "epochs", "widths", "dropout", "kind", NULL};
    const char *who = teacher ? "kd.experiment: teacher" : "kd.experiment: student";
    const char *widths = teacher ? "teacher" : "student";
    if (lua_isstring(L, t)) {
        apply(L, ts, who, widths, t);
        return;
    }
    if (!lua_istable(L, t))
        luaL_error(L, "%s must be kd.mlp{...}, widths like \"784-32-10\" or {model = ..., epochs = ...}", who);
    check_keys(L, t, who, teacher ? teacher_keys : student_keys);
    int top = lua_gettop(L), model = t;
    if (lua_getfield(L, t, "model") != LUA_TNIL) model = lua_gettop(L);
    if (lua_isstring(L, model)) {
        apply(L, ts, who, widths, model);
    } else if (!lua_istable(L, model)) {
        luaL_error(L, "%s: model must be kd.mlp{...} or widths like \"784-32-10\"", who);
    } else if (lua_getfield(L, model, "path") != LUA_TNIL) {
        if (!teacher) luaL_error(L, "%s: only the teacher can start from a checkpoint", who);
        apply(L, ts, who, "load-teacher", -1);
    } else {
        apply_field(L, model, "widths", ts, who, widths);
        apply_field(L, model, "dropout", ts, who, teacher ? "teacher-dropout" : "student-dropout");
    }
    lua_settop(L, top);
    apply_field(L, t, "epochs", ts, who, teacher ? "teacher-epochs" : "epochs");
    if (teacher) {
        apply_field(L, t, "lr", ts, who, "teacher-lr");
        apply_field(L, t, "seed", ts, who, "teacher-seed");
    }
}

static void apply_optim(lua_State *L, int t, train_settings *ts)
{
    if (lua_isstring(L, t)) {
        apply(L, ts, "kd.experiment", "optim", t);
        return;
    }
    if (!lua_istable(L, t)) luaL_error(L, "kd.experiment: optim must be kd.adam{} or kd.sgd{}");
    apply_field(L, t, "kind", ts, "kd.experiment: optim", "optim");
    apply_field(L, t, "lr", ts, "kd.experiment: optim", "lr");
    apply_field(L, t, "momentum", ts, "kd.experiment: optim", "momentum");
    apply_field(L, t, "weight_decay", ts, "kd.experiment: optim", "weight-decay");
}

/* A number, or a schedule: the schedule's value at progress 0 becomes the setting, so the config
 * is complete; the function is called again before every step. */
/* T > 0, alpha in [0, 1], lr > 0, all finite: checked where the script wrote the value */
static void check_range(lua_State *L, const char *name, lua_Number v, const char *what)
{
    bool ok = isfinite(v) && (!strcmp(name, "alpha") ? v >= 0 && v <= 1 : v > 0);
    if (!ok)
        luaL_error(L, "kd.experiment: %s%s must be %s, got %f", what, name,
                   !strcmp(name, "alpha") ? "in [0, 1]" : "> 0", v);
}

static void apply_scheduled(lua_State *L, int v, train_settings *ts, const char *name)
{
    if (lua_isnumber(L, v)) {
        check_range(L, name, lua_tonumber(L, v), "");
        apply(L, ts, "kd.experiment", name, v);
        return;
    }
    if (!script_kd_is_callable(L, v))
        luaL_error(L, "kd.experiment: field '%s' must be a number or a function of ctx, got a %s",
                   name, luaL_typename(L, v));
    lua_pushvalue(L, v);
    lua_newtable(L);
    lua_pushnumber(L, 0);
    lua_setfield(L, -2, "progress");
    lua_pushinteger(L, 0);
    lua_setfield(L, -2, "step");
    lua_pushinteger(L, 1);
    lua_setfield(L, -2, "epoch");
    lua_pushstring(L, "distil");
    lua_setfield(L, -2, "phase");
    lua_call(L, 1, 1);
    if (!lua_isnumber(L, -1))
        luaL_error(L, "kd.experiment: the schedule for '%s' returned a %s, not a number", name,
                   luaL_typename(L, -1));
    check_range(L, name, lua_tonumber(L, -1), "the schedule's first value of ");
    apply(L, ts, "kd.experiment", name, -1);
}

/* The experiment table at idx into ts. Raises on any problem. */
void script_kd_apply_experiment(lua_State *L, int t, train_settings *ts)
{
    t = lua_absindex(L, t);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        int v = lua_gettop(L);
        if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "kd.experiment: fields must be named");
        const char *k = lua_tostring(L, -2);
        if (!strcmp(k, "data")) apply_data(L, v, ts);
        else if (!strcmp(k, "teacher")) apply_model(L, v, ts, true);
        else if (!strcmp(k, "student")) apply_model(L, v, ts, false);
        else if (!strcmp(k, "optim")) apply_optim(L, v, ts);
        else if (!strcmp(k, "T") || !strcmp(k, "alpha") || !strcmp(k, "lr")) apply_scheduled(L, v, ts, k);
        else if (!strncmp(k, "on_", 3)) {
            bool known = false;
            for (int h = 0; h < SCRIPT_NHOOKS; h++) known |= !strcmp(k, script_hook_names[h]);
            if (!known) luaL_error(L, "kd.experiment: unknown hook '%s' (hooks: on_start, on_step, "
                                      "on_epoch, on_phase, on_done)", k);
            if (!lua_isfunction(L, v)) luaL_error(L, "kd.experiment: %s must be a function", k);
        } else apply(L, ts, "kd.experiment", k, v);
        lua_settop(L, v - 1);
    }
}

/* --- the distillery module ----------------------------------------------------------------- */

static int l_experiment(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_where(L, 1);
    script_where(L, lua_tostring(L, -1));
    lua_pop(L, 1);
    train_settings scratch;
    train_settings_init(&scratch);
    script_kd_apply_experiment(L, 1, &scratch);
    lua_settop(L, 1);
    luaL_setmetatable(L, SCRIPT_TAG_EXPERIMENT);
    return 1;
}

/* kd.data.*{...}: the table itself, tagged with its kind, its keys checked */
static int data_table(lua_State *L, const char *kind, const char *who, const char *const *keys)
{
    if (lua_isnoneornil(L, 1)) lua_newtable(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    check_keys(L, 1, who, keys);
    lua_pushstring(L, kind);
    lua_setfield(L, 1, "kind");
    train_settings scratch; /* the values too, so a bad transfer is reported here */
    train_settings_init(&scratch);
    apply_data(L, 1, &scratch);
    lua_settop(L, 1);
    return 1;
}

static int l_fashion(lua_State *L)
{
    static const char *const keys[] = {"transfer", "omit", "labeled", NULL};
    return data_table(L, "fashion-mnist", "kd.data.fashion_mnist", keys);
}

static int l_idx(lua_State *L)
{
    static const char *const keys[] = {"dir", "transfer", "omit", "labeled", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getfield(L, 1, "dir") != LUA_TSTRING) luaL_error(L, "kd.data.idx: needs dir = \"FOLDER\"");
    lua_pop(L, 1);
    return data_table(L, "idx", "kd.data.idx", keys);
}

/* kd.data.pngdir{dir = "FOLDER", strict = false}: one subfolder of PNGs per class */
static int l_pngdir(lua_State *L)
{
    static const char *const keys[] = {"dir", "strict", "transfer", "omit", "labeled", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getfield(L, 1, "dir") != LUA_TSTRING) luaL_error(L, "kd.data.pngdir: needs dir = \"FOLDER\"");
    lua_pop(L, 1);
    return data_table(L, "pngdir", "kd.data.pngdir", keys);
}

static int l_synthetic(lua_State *L)
{
    static const char *const keys[] = {"ntrain", "ntest", "transfer", "omit", "labeled", NULL};
    return data_table(L, "synthetic", "kd.data.synthetic", keys);
}

/* kd.mlp{784, 1200, 10, dropout = 0.2} -> {widths = "784-1200-10", dropout = 0.2} */
static int l_mlp(lua_State *L)
{
    static const char *const keys[] = {"dropout", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    check_keys(L, 1, "kd.mlp", keys);
    lua_Integer n = luaL_len(L, 1);
    if (n < 2) luaL_error(L, "kd.mlp: needs at least two widths (inputs and classes), got %d", (int)n);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1)
            luaL_error(L, "kd.mlp: width %d must be a whole number >= 1", (int)i);
        if (i > 1) luaL_addchar(&b, '-');
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    lua_newtable(L);
    lua_insert(L, -2);
    lua_setfield(L, -2, "widths");
    lua_getfield(L, 1, "dropout");
    if (!lua_isnil(L, -1) && !lua_isnumber(L, -1)) luaL_error(L, "kd.mlp: dropout must be a number");
    lua_setfield(L, -2, "dropout");
    lua_pushstring(L, "mlp");
    lua_setfield(L, -2, "kind");
    return 1;
}

static int optim_table(lua_State *L, const char *kind, const char *const *keys)
{
    if (lua_isnoneornil(L, 1)) lua_newtable(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    check_keys(L, 1, kind, keys);
    lua_pushstring(L, kind + 3);
    lua_setfield(L, 1, "kind");
    train_settings scratch;
    train_settings_init(&scratch);
    apply_optim(L, 1, &scratch);
    lua_settop(L, 1);
    return 1;
}

static int l_adam(lua_State *L)
{
    static const char *const keys[] = {"lr", "weight_decay", NULL};
    return optim_table(L, "kd.adam", keys);
}

static int l_sgd(lua_State *L)
{
    static const char *const keys[] = {"lr", "momentum", "weight_decay", NULL};
    return optim_table(L, "kd.sgd", keys);
}

static int l_load_ckpt(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_newtable(L);
    lua_pushstring(L, path);
    lua_setfield(L, -2, "path");
    lua_pushstring(L, "checkpoint");
    lua_setfield(L, -2, "kind");
    return 1;
}

/* floats (n) from the list at idx */
static void read_logits(lua_State *L, int idx, float *out, int n, const char *what)
{
    for (int i = 0; i < n; i++) {
        lua_geti(L, idx, i + 1);
        int ok;
        lua_Number v = lua_tonumberx(L, -1, &ok);
        if (!ok) luaL_error(L, "kd.loss: %s[%d] must be a number", what, i + 1);
        out[i] = (float)v;
        lua_pop(L, 1);
    }
}

/* kd.loss(teacher_logits, student_logits, label, T, alpha): the C loss on one sample. label is
 * the 1-based index of the true class, or nil for none. Returns {ce, kl, t2kl, total, grad}. */
static int l_loss(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer C = luaL_len(L, 2);
    if (C < 1 || C > 4096) return luaL_argerror(L, 2, "1 to 4096 logits expected");
    if (luaL_len(L, 1) != C)
        return luaL_error(L, "kd.loss: %d teacher logits for %d student logits", (int)luaL_len(L, 1), (int)C);
    int label = -1;
    if (!lua_isnoneornil(L, 3)) {
        lua_Integer y = luaL_checkinteger(L, 3);
        if (y < 1 || y > C) return luaL_argerror(L, 3, "a class index from 1 to #logits expected");
        label = (int)y - 1;
    }
    lua_Number T = luaL_checknumber(L, 4), alpha = luaL_checknumber(L, 5);
    if (!(T > 0) || !isfinite(T)) return luaL_argerror(L, 4, "T must be > 0");
    if (!(alpha >= 0 && alpha <= 1)) return luaL_argerror(L, 5, "alpha must be in [0, 1]");
    float *buf = lua_newuserdatauv(L, sizeof(float) * 3 * (size_t)C, 0);
    float *t = buf, *s = buf + C, *g = buf + 2 * C;
    read_logits(L, 1, t, (int)C, "teacher_logits");
    read_logits(L, 2, s, (int)C, "student_logits");
    nn_kd_terms k = nn_kd_loss(s, t, &label, 1, (int)C, (float)T, (float)alpha, g);
    lua_createtable(L, 0, 5);
    lua_pushnumber(L, k.ce);
    lua_setfield(L, -2, "ce");
    lua_pushnumber(L, k.kl);
    lua_setfield(L, -2, "kl");
    lua_pushnumber(L, k.t2kl);
    lua_setfield(L, -2, "t2kl");
    lua_pushnumber(L, k.total);
    lua_setfield(L, -2, "total");
    lua_createtable(L, (int)C, 0);
    for (int i = 0; i < C; i++) {
        lua_pushnumber(L, g[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "grad");
    return 1;
}

/* kd.png{dir = RUN_DIR, width = 1600, height = 900}: the charts of a run directory as PNG
 * (loss.png, accuracy.png). Returns the number of files written, or nil and a message. */
static int l_png(lua_State *L)
{
    static const char *const keys[] = {"dir", "width", "height", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    check_keys(L, 1, "kd.png", keys);
    lua_getfield(L, 1, "dir");
    const char *dir = lua_tostring(L, -1);
    if (!dir) return luaL_error(L, "kd.png: needs dir = the run directory (summary.run_dir in on_done)");
    lua_getfield(L, 1, "width");
    lua_getfield(L, 1, "height");
    lua_Integer w = luaL_optinteger(L, -2, PLOT_DEFAULT_W), h = luaL_optinteger(L, -1, PLOT_DEFAULT_H);
    if (w < 640 || h < 360 || w > 8192 || h > 8192)
        return luaL_error(L, "kd.png: width x height must be from 640x360 to 8192x8192");
    char err[1200];
    int n = 0;
    if (plot_run(dir, NULL, (int)w, (int)h, &n, err, sizeof err)) {
        luaL_pushfail(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushinteger(L, n);
    return 1;
}

/* kd.sweep{base = kd.experiment{...}, T = {...}, alpha = {...}, seeds = {...}} */
static int l_sweep(lua_State *L)
{
    static const char *const keys[] = {"base", "T", "alpha", "seeds", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    check_keys(L, 1, "kd.sweep", keys);
    lua_getfield(L, 1, "base");
    if (!script_kd_has_tag(L, -1, SCRIPT_TAG_EXPERIMENT)) luaL_error(L, "kd.sweep: base must be a kd.experiment{...}");
    lua_pop(L, 1);
    for (int k = 1; k < 4; k++) {
        if (lua_getfield(L, 1, keys[k]) == LUA_TNIL) {
            lua_pop(L, 1);
            continue;
        }
        if (!lua_istable(L, -1) || luaL_len(L, -1) < 1)
            luaL_error(L, "kd.sweep: %s must be a non-empty list of numbers", keys[k]);
        for (lua_Integer i = 1, n = luaL_len(L, -1); i <= n; i++) {
            lua_geti(L, -1, i);
            if (!lua_isnumber(L, -1)) luaL_error(L, "kd.sweep: %s[%d] must be a number", keys[k], (int)i);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_settop(L, 1);
    luaL_setmetatable(L, SCRIPT_TAG_SWEEP);
    return 1;
}

/* --- lessons ------------------------------------------------------------------------------- */

/* kd.lesson{title = ..., questions = {{question = ..., answers = {...}, correct = i,
 * teacher = {logits}}, ...}, script = function() ... end} */
static int l_lesson(lua_State *L)
{
    static const char *const keys[] = {"title", "questions", "script", "experiment", NULL};
    static const char *const qkeys[] = {"question", "answers", "correct", "teacher", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    check_keys(L, 1, "kd.lesson", keys);
    if (lua_getfield(L, 1, "questions") != LUA_TTABLE || luaL_len(L, -1) < 1)
        luaL_error(L, "kd.lesson: questions must be a non-empty list of {question, answers, correct, teacher}");
    for (lua_Integer i = 1, n = luaL_len(L, -1); i <= n; i++) {
        if (lua_geti(L, -1, i) != LUA_TTABLE) luaL_error(L, "kd.lesson: question %d must be a table", (int)i);
        int q = lua_gettop(L);
        check_keys(L, q, "kd.lesson: a question", qkeys);
        if (lua_getfield(L, q, "question") != LUA_TSTRING) luaL_error(L, "kd.lesson: question %d needs its text", (int)i);
        if (lua_getfield(L, q, "answers") != LUA_TTABLE) luaL_error(L, "kd.lesson: question %d needs answers = {...}", (int)i);
        lua_Integer na = luaL_len(L, -1);
        if (na < 2 || na > SCRIPT_MAX_ANSWERS)
            luaL_error(L, "kd.lesson: question %d needs 2 to %d answers, has %d", (int)i, SCRIPT_MAX_ANSWERS, (int)na);
        for (lua_Integer k = 1; k <= na; k++) {
            if (lua_geti(L, -1, k) != LUA_TSTRING) luaL_error(L, "kd.lesson: answer %d of question %d must be a string", (int)k, (int)i);
            lua_pop(L, 1);
        }
        lua_getfield(L, q, "correct");
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > na)
            luaL_error(L, "kd.lesson: question %d: correct must be the index of an answer, 1 to %d", (int)i, (int)na);
        if (lua_getfield(L, q, "teacher") != LUA_TTABLE || luaL_len(L, -1) != na)
            luaL_error(L, "kd.lesson: question %d: teacher must list one logit per answer", (int)i);
        for (lua_Integer k = 1; k <= na; k++) {
            lua_geti(L, -1, k);
            if (!lua_isnumber(L, -1) || !isfinite(lua_tonumber(L, -1)))
                luaL_error(L, "kd.lesson: question %d: teacher logit %d must be a number", (int)i, (int)k);
            lua_pop(L, 1);
        }
        lua_settop(L, q - 1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "script") != LUA_TNIL && !lua_isfunction(L, -1))
        luaL_error(L, "kd.lesson: script must be a function (it narrates with say, wait_key, set, train)");
    if (lua_getfield(L, 1, "experiment") != LUA_TNIL && !script_kd_has_tag(L, -1, SCRIPT_TAG_EXPERIMENT))
        luaL_error(L, "kd.lesson: experiment must be a kd.experiment{...} to move on to");
    lua_settop(L, 1);
    luaL_setmetatable(L, SCRIPT_TAG_LESSON);
    return 1;
}

/* The narration's verbs: each yields its request to the screen, which resumes it when done. */
static int yield_op(lua_State *L, const char *op, int nvalues)
{
    lua_pushstring(L, op);
    lua_insert(L, 1);
    lua_settop(L, 1 + nvalues);
    return lua_yield(L, 1 + nvalues);
}

static int l_say(lua_State *L)
{
    luaL_checkstring(L, 1);
    return yield_op(L, "say", 1);
}

static int l_wait_key(lua_State *L)
{
    return yield_op(L, "wait", 0);
}

static int l_set(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "T");
    lua_Number T = luaL_checknumber(L, -1);
    if (!(T > 0) || !isfinite(T)) luaL_error(L, "set: T must be > 0");
    lua_replace(L, 1);
    return yield_op(L, "set", 1);
}

static int l_train(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    if (n < 1 || n > 100000) luaL_argerror(L, 1, "1 to 100000 steps");
    return yield_op(L, "train", 1);
}

static int l_reveal(lua_State *L)
{
    return yield_op(L, "reveal", 0);
}

static int l_hide(lua_State *L)
{
    return yield_op(L, "hide", 0);
}

static int l_question(lua_State *L)
{
    luaL_checkinteger(L, 1);
    return yield_op(L, "question", 1);
}

static int l_experiment_verb(lua_State *L)
{
    return yield_op(L, "experiment", 0);
}

void script_kd_verbs(lua_State *L)
{
    static const luaL_Reg verbs[] = {{"say", l_say}, {"wait_key", l_wait_key}, {"set", l_set},
                                     {"train", l_train}, {"reveal", l_reveal}, {"hide", l_hide},
                                     {"question", l_question},
                                     {"start_experiment", l_experiment_verb}, {NULL, NULL}};
    for (const luaL_Reg *v = verbs; v->name; v++) {
        lua_pushcfunction(L, v->func);
        lua_setglobal(L, v->name);
    }
}

int script_kd_open(lua_State *L)
{
    static const luaL_Reg fns[] = {{"experiment", l_experiment}, {"mlp", l_mlp}, {"adam", l_adam},
                                   {"sgd", l_sgd}, {"load", l_load_ckpt}, {"loss", l_loss},
                                   {"sweep", l_sweep}, {"png", l_png}, {"lesson", l_lesson},
                                   {NULL, NULL}};
    static const luaL_Reg data[] = {{"fashion_mnist", l_fashion}, {"idx", l_idx}, {"pngdir", l_pngdir},
                                    {"synthetic", l_synthetic}, {NULL, NULL}};
    luaL_newlib(L, fns);
    luaL_newlib(L, data);
    lua_setfield(L, -2, "data");
    lua_pushstring(L, PACKAGE_VERSION);
    lua_setfield(L, -2, "version");
    return 1;
}


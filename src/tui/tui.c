/* tui: the live screen's state, its one event loop, its key table and its views.
 *
 * The loop trains for a slice of about 30 ms, reads every waiting key, and redraws at most every
 * 66 ms; when paused it sleeps in the key wait. Views draw into a tui_grid from the app's
 * snapshot (train_state, histories, the log) and never change the run; keys go through one
 * table, which the help overlay lists. */
#include "config.h"

#include "tui/tui.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "distillery/nn_layers.h"
#include "distillery/train.h"
#include "distillery/train_rundir.h"
#include "plot/plot_run.h"
#include "run.h"
#include "tui/tui_term.h"

#define SLICE_MS 30
#define FRAME_MS 66
#define LOG_LINES 64
#define LOG_WIDTH 200
#define MIN_W 80
#define MIN_H 24

/* a growing series of floats */
typedef struct series {
    float *v;
    int n, cap;
} series;

typedef struct app {
    train_settings *o;
    script *sc;
    train *t;
    train_rundir *rd;
    data_set trainset, testset;
    train_state st;
    tui_grid *g;
    tui_charset cs;

    bool paused, done, failed, quit, help, at_T1, smooth;
    long step_to;       /* run until this step of the phase, then pause (n, N); -1: none */
    int sample;
    char failure[1100];
    char notice[1100]; /* a problem that did not stop the run, shown until the next reload */

    /* the student's losses by distillation step, the baseline's CE, accuracies by epoch */
    series x, total, ce, t2kl, base_ce;
    series acc_x[TRAIN_NMODELS], acc[TRAIN_NMODELS];
    char log[LOG_LINES][LOG_WIDTH];
    int nlog;

    /* the teacher's test-set logits (they do not change once it is trained), the student's, and
     * the test samples ranked for the d and w keys */
    float *teacher_z, *student_z;
    int *rank;
    int rank_pos;
    char rank_kind;

    int speed;             /* index into speeds */
    double budget, budget_t;

    struct timespec t0, last_rate;
    long rate_samples;
    double rate;
} app;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static void push(series *s, float v)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 1024;
        float *p = realloc(s->v, sizeof(float) * (size_t)cap);
        if (!p) return; /* the chart stops growing; the run goes on */
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = v;
}

static void logf_(app *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->log[a->nlog % LOG_LINES], LOG_WIDTH, fmt, ap);
    va_end(ap);
    a->nlog++;
}

/* --- the run ------------------------------------------------------------------------------- */

static void sink(void *ud, const train_event *ev)
{
    app *a = ud;
    train_rundir_sink(a->rd, ev);
    switch (ev->kind) {
    case TRAIN_EV_PHASE: logf_(a, "phase: %s", ev->text); break;
    case TRAIN_EV_INFO: logf_(a, "%s", ev->text); break;
    case TRAIN_EV_ERROR: logf_(a, "error: %s", ev->text); break;
    case TRAIN_EV_EVAL: {
        const train_eval *e = ev->eval;
        push(&a->acc_x[e->model], (float)e->epoch);
        push(&a->acc[e->model], (float)e->acc);
        logf_(a, "%s epoch %d: test accuracy %.2f%%", train_model_name(e->model), e->epoch,
              100.0 * e->acc);
        break;
    }
    default: break;
    }
}

static void script_print(void *ud, const char *line)
{
    app *a = ud;
    char buf[LOG_WIDTH];
    snprintf(buf, sizeof buf, "script: %s", line);
    train_rundir_note(a->rd, buf);
    logf_(a, "%s", buf);
}

/* A script error pauses the run and shows the error; the program goes on. */
static void script_failed(app *a, const char *err)
{
    logf_(a, "script error: %s", err);
    train_rundir_note(a->rd, err);
    snprintf(a->failure, sizeof a->failure, "%s", err);
    a->paused = true;
}

static void apply(app *a, const script_controls *c, bool logged)
{
    script_controls_apply(c, a->t, !logged);
    if (!logged) return;
    if (c->pause) a->paused = true, logf_(a, "paused by the script");
    if (c->stop) a->done = true, logf_(a, "stopped by the script");
}

/* One trainer step with the script around it, as in run_headless; false when the run ended. */
static bool advance(app *a)
{
    char err[1024];
    script_controls c = {0};
    if (a->sc && script_schedule(a->sc, &a->st, &c, err, sizeof err)) {
        script_failed(a, err);
        return false;
    }
    if (a->sc) apply(a, &c, false);
    train_state before = a->st;
    int r = train_step(a->t);
    train_get_state(a->t, &a->st);
    if (r < 0) {
        a->failed = a->done = true;
        snprintf(a->failure, sizeof a->failure, "%s", train_error(a->t));
        return false;
    }
    if (a->st.last[TRAIN_STUDENT].step != before.last[TRAIN_STUDENT].step) { /* a student step */
        const train_metrics *m = &a->st.last[TRAIN_STUDENT];
        push(&a->x, (float)a->st.step);
        push(&a->total, (float)m->total);
        push(&a->ce, (float)m->ce);
        push(&a->t2kl, (float)m->t2kl);
        push(&a->base_ce, a->st.last[TRAIN_BASELINE].step ? (float)a->st.last[TRAIN_BASELINE].ce : NAN);
    }
    memset(&c, 0, sizeof c);
    if (a->sc && script_after_step(a->sc, &before, &a->st, &c, err, sizeof err)) {
        script_failed(a, err);
        return false;
    }
    if (a->sc) apply(a, &c, true);
    if (r == 0) a->done = true;
    return r == 1 && !a->done;
}

/* Train for one slice of time, or up to the step the n / N keys asked for. */
/* Speeds the - and + keys step through: training steps a second, 0 for as fast as it goes. A
 * small student on a small transfer set trains in seconds; slowed, a class can watch T at work. */
static const int speeds[] = {0, 500, 100, 20, 5};
#define NSPEEDS (int)(sizeof speeds / sizeof speeds[0])

static void train_slice(app *a)
{
    double start = now_ms(), end = start + SLICE_MS;
    int limit = speeds[a->speed];
    if (limit) { /* a budget of steps that refills with time, at most one slice's worth */
        a->budget = fmin(a->budget + (start - a->budget_t) * limit / 1e3, limit * SLICE_MS / 1e3 + 1);
        a->budget_t = start;
    }
    while (!a->paused && !a->done && now_ms() < end) {
        if (limit && a->budget < 1) break;
        if (limit) a->budget -= 1;
        if (!advance(a)) break;
        if (a->step_to >= 0 && a->st.step >= a->step_to && !a->st.evaluating) {
            a->paused = true;
            a->step_to = -1;
        }
    }
    double t = now_ms(), dt = t - (a->last_rate.tv_sec * 1e3 + a->last_rate.tv_nsec * 1e-6);
    if (dt > 1000) {
        a->rate = (a->st.samples - a->rate_samples) * 1e3 / dt;
        if (a->rate < 0) a->rate = 0;
        a->rate_samples = a->st.samples;
        clock_gettime(CLOCK_MONOTONIC, &a->last_rate);
    }
}

/* --- keys ---------------------------------------------------------------------------------- */

typedef enum { KEY_NONE, KEY_REDRAW, KEY_QUIT_APP } key_result;

static void hold(app *a, const char *field)
{
    if (a->sc) script_override(a->sc, field); /* a hand-set value replaces the schedule */
}

static key_result k_pause(app *a)
{
    a->paused = !a->paused;
    a->step_to = -1;
    logf_(a, a->paused ? "paused" : "running");
    return KEY_REDRAW;
}

static key_result k_step(app *a)
{
    a->step_to = a->st.step + 1;
    a->paused = false;
    return KEY_REDRAW;
}

static key_result k_epoch(app *a)
{
    a->step_to = (long)a->st.epoch * a->st.steps_per_epoch;
    a->paused = false;
    return KEY_REDRAW;
}

static key_result set_T(app *a, float T)
{
    hold(a, "T");
    if (train_set_T(a->t, fmaxf(0.1f, fminf(T, 100.0f))) == 0) train_get_state(a->t, &a->st);
    return KEY_REDRAW;
}

static key_result k_T_down(app *a) { return set_T(a, roundf(a->st.T / 1.25f * 100) / 100); }
static key_result k_T_up(app *a) { return set_T(a, roundf(a->st.T * 1.25f * 100) / 100); }

static key_result set_alpha(app *a, float v)
{
    hold(a, "alpha");
    train_set_alpha(a->t, fmaxf(0.0f, fminf(1.0f, roundf(v * 100) / 100)));
    train_get_state(a->t, &a->st);
    return KEY_REDRAW;
}

static key_result k_alpha_down(app *a) { return set_alpha(a, a->st.alpha - 0.05f); }
static key_result k_alpha_up(app *a) { return set_alpha(a, a->st.alpha + 0.05f); }

static key_result set_lr(app *a, float v)
{
    hold(a, "lr");
    train_set_lr(a->t, fmaxf(1e-7f, fminf(v, 10.0f)));
    train_get_state(a->t, &a->st);
    return KEY_REDRAW;
}

static key_result k_lr_down(app *a) { return set_lr(a, a->st.lr / 2); }
static key_result k_lr_up(app *a) { return set_lr(a, a->st.lr * 2); }

static key_result set_speed(app *a, int s)
{
    a->speed = s < 0 ? 0 : s >= NSPEEDS ? NSPEEDS - 1 : s;
    a->budget = 0;
    a->budget_t = now_ms();
    if (speeds[a->speed]) logf_(a, "speed: %d steps a second", speeds[a->speed]);
    else logf_(a, "speed: as fast as it goes");
    return KEY_REDRAW;
}

static key_result k_slower(app *a) { return set_speed(a, a->speed + 1); }
static key_result k_faster(app *a) { return set_speed(a, a->speed - 1); }

static key_result k_next(app *a)
{
    a->sample = (a->sample + 1) % a->testset.n;
    return KEY_REDRAW;
}

static key_result k_prev(app *a)
{
    a->sample = (a->sample + a->testset.n - 1) % a->testset.n;
    return KEY_REDRAW;
}

static key_result k_random(app *a)
{
    a->sample = rand() % a->testset.n;
    return KEY_REDRAW;
}

/* KL(teacher@T || student@T) of one sample's logits */
static double sample_kl(const float *t, const float *s, int C, float T)
{
    float p[DATA_MAX_CLASSES], q[DATA_MAX_CLASSES];
    nn_softmax(p, t, 1, C, T);
    nn_softmax(q, s, 1, C, T);
    double kl = 0;
    for (int c = 0; c < C; c++)
        if (p[c] > 0) kl += p[c] * (log(p[c]) - log(fmax(q[c], 1e-30)));
    return kl;
}

static const double *rank_score;
static int by_score(const void *x, const void *y)
{
    double a = rank_score[*(const int *)x], b = rank_score[*(const int *)y];
    return (a < b) - (a > b); /* descending */
}

/* d: the samples where teacher and student disagree most (KL at T); w: where the student is most
 * confidently wrong. The first press ranks the test set; further presses step down the ranking. */
static key_result jump(app *a, char kind)
{
    int n = a->testset.n, C = a->testset.nclasses;
    if (a->st.phase < TRAIN_PHASE_DISTIL) {
        logf_(a, "the student starts with the distillation phase");
        return KEY_REDRAW;
    }
    if (!a->teacher_z) {
        a->teacher_z = malloc(sizeof(float) * (size_t)n * C);
        if (!a->teacher_z || train_predict(a->t, TRAIN_TEACHER, &a->testset, 0, n, a->teacher_z)) {
            free(a->teacher_z), a->teacher_z = NULL;
            return KEY_REDRAW;
        }
    }
    if (!a->student_z) a->student_z = malloc(sizeof(float) * (size_t)n * C);
    if (!a->rank) a->rank = malloc(sizeof(int) * (size_t)n);
    double *score = malloc(sizeof(double) * (size_t)n);
    if (!a->student_z || !a->rank || !score ||
        train_predict(a->t, TRAIN_STUDENT, &a->testset, 0, n, a->student_z)) {
        free(score);
        return KEY_REDRAW;
    }
    float T = a->at_T1 ? 1.0f : a->st.T;
    for (int i = 0; i < n; i++) {
        const float *s = a->student_z + (size_t)i * C;
        if (kind == 'd') {
            score[i] = sample_kl(a->teacher_z + (size_t)i * C, s, C, T);
        } else {
            float q[DATA_MAX_CLASSES];
            nn_softmax(q, s, 1, C, 1.0f);
            int top = nn_argmax(q, C);
            score[i] = top == a->testset.labels[i] ? -1.0 : q[top];
        }
        a->rank[i] = i;
    }
    rank_score = score;
    qsort(a->rank, (size_t)n, sizeof(int), by_score);
    a->rank_pos = a->rank_kind == kind ? (a->rank_pos + 1) % n : 0;
    a->rank_kind = kind;
    a->sample = a->rank[a->rank_pos];
    if (kind == 'd')
        logf_(a, "disagreement #%d: sample %d, KL(teacher || student) at T %.2f = %.4f",
              a->rank_pos + 1, a->sample, T, score[a->sample]);
    else if (score[a->sample] < 0)
        logf_(a, "the student gets every test sample right");
    else
        logf_(a, "confidently wrong #%d: sample %d, the student gives %.2f to a wrong class",
              a->rank_pos + 1, a->sample, score[a->sample]);
    free(score);
    return KEY_REDRAW;
}

static key_result k_disagree(app *a) { return jump(a, 'd'); }
static key_result k_wrong(app *a) { return jump(a, 'w'); }

static key_result k_T1(app *a)
{
    a->at_T1 = !a->at_T1;
    return KEY_REDRAW;
}

static key_result k_smooth(app *a)
{
    a->smooth = !a->smooth;
    return KEY_REDRAW;
}

/* p: the run's charts and the selected sample's probabilities as PNG, into the run directory */
static key_result k_png(app *a)
{
    char err[1200];
    int C = a->testset.nclasses, n = 0;
    static float p[3][DATA_MAX_CLASSES];
    plot_sample s = {.index = a->sample, .label = a->testset.labels[a->sample], .nclasses = C,
                     .T = a->at_T1 ? 1.0f : a->st.T,
                     .class_names = (const char(*)[DATA_CLASS_NAME])a->testset.class_names};
    static const train_model models[3] = {TRAIN_TEACHER, TRAIN_STUDENT, TRAIN_BASELINE};
    for (int m = 0; m < 3; m++) {
        float z[DATA_MAX_CLASSES];
        if ((models[m] != TRAIN_TEACHER && a->st.phase < TRAIN_PHASE_DISTIL) ||
            train_logits(a->t, models[m], &a->testset, a->sample, z))
            continue;
        nn_softmax(p[m], z, 1, C, s.T);
        s.probs[m] = p[m];
    }
    if (plot_run(train_rundir_path(a->rd), &s, a->o->c.png_w, a->o->c.png_h, &n, err, sizeof err))
        logf_(a, "error: %s", err);
    else
        logf_(a, "%d charts written: loss.png, accuracy.png, sample.png in %s", n,
              train_rundir_path(a->rd));
    return KEY_REDRAW;
}

static key_result k_reload(app *a)
{
    char err[1024];
    if (!a->sc) logf_(a, "no script to reload: this run came from the command line");
    else if (script_reload(a->sc, err, sizeof err)) {
        logf_(a, "script error: reload failed: %s", err);
        snprintf(a->notice, sizeof a->notice, "reload failed, the old hooks go on: %s", err);
    } else {
        a->notice[0] = '\0';
        logf_(a, "script reloaded: its hooks and schedules apply from the next step");
        train_rundir_note(a->rd, "script reloaded");
        a->failure[0] = '\0';
    }
    return KEY_REDRAW;
}

static key_result k_help(app *a)
{
    a->help = !a->help;
    return KEY_REDRAW;
}

static key_result k_quit(app *a)
{
    return KEY_QUIT_APP;
}

typedef struct key_binding {
    int key, alt;
    const char *keys, *help;
    key_result (*fn)(app *a);
} key_binding;

/* The one table: the loop dispatches through it and the help overlay lists it. */
static const key_binding keys[] = {
    {' ', -1, "space", "pause / resume", k_pause},
    {'n', -1, "n", "one step", k_step},
    {'N', -1, "N", "to the end of the epoch", k_epoch},
    {'t', -1, "t / T", "lower / raise the temperature", k_T_down},
    {'T', -1, NULL, NULL, k_T_up},
    {'a', -1, "a / A", "lower / raise alpha", k_alpha_down},
    {'A', -1, NULL, NULL, k_alpha_up},
    {'l', -1, "l / L", "halve / double the learning rate", k_lr_down},
    {'-', -1, "- / +", "slower / faster (steps a second, to watch T at work)", k_slower},
    {'+', '=', NULL, NULL, k_faster},
    {'L', -1, NULL, NULL, k_lr_up},
    {'j', KEY_DOWN, "j k arrows", "next / previous sample", k_next},
    {'k', KEY_UP, NULL, NULL, k_prev},
    {KEY_RIGHT, -1, NULL, NULL, k_next},
    {KEY_LEFT, -1, NULL, NULL, k_prev},
    {'R', -1, "R", "a random sample", k_random},
    {'d', -1, "d", "where teacher and student disagree most (again: next)", k_disagree},
    {'w', -1, "w", "where the student is most confidently wrong", k_wrong},
    {'1', -1, "1", "probabilities at T / at T = 1", k_T1},
    {'s', -1, "s", "smooth the loss chart", k_smooth},
    {'p', -1, "p", "the charts and this sample as PNG, into the run directory", k_png},
    {'r', -1, "r", "reload the script's hooks and schedules", k_reload},
    {'?', KEY_F(1), "? F1", "this help", k_help},
    {'q', -1, "q", "quit (the run directory stays complete)", k_quit},
};
#define NKEYS (sizeof keys / sizeof keys[0])

static key_result handle_key(app *a, int k)
{
    if (a->help && k != '?' && k != KEY_F(1) && k != 'q') {
        a->help = false; /* any key closes the help */
        return KEY_REDRAW;
    }
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].key == k || keys[i].alt == k) return keys[i].fn(a);
    return KEY_NONE;
}

/* --- views --------------------------------------------------------------------------------- */

static const char *state_name(const app *a)
{
    if (a->failed || a->failure[0]) return "error";
    if (a->done) return "done";
    return a->paused ? "paused" : "running";
}

static void draw_header(app *a, int w)
{
    const train_state *s = &a->st;
    char speed[24] = "";
    if (speeds[a->speed]) snprintf(speed, sizeof speed, " %d steps/s", speeds[a->speed]);
    tui_grid_printf(a->g, 0, 0, TUI_STYLE_TITLE, w, "distillery  %s  %s  %s  epoch %d/%d  step %ld  %.0f samples/s  [%s%s]",
         a->o->c.name, a->trainset.name, train_phase_name(s->phase), s->epoch, s->epochs, s->step,
         a->rate, state_name(a), speed);
    char lr[16];
    tui_num_format(s->lr, lr, sizeof lr);
    tui_grid_printf(a->g, 0, 1, TUI_STYLE_DEFAULT, w, "sample %d  true: %s   T %.2f  alpha %.2f  lr %s   "
         "L = %.2f*CE + %.2f*%.1f*KL   bars at %s", a->sample,
         a->testset.class_names[a->testset.labels[a->sample]], s->T, s->alpha, lr, 1 - s->alpha,
         s->alpha, s->T * s->T, a->at_T1 ? "T = 1" : "T");
}

static double entropy(const float *p, int n)
{
    double h = 0;
    for (int i = 0; i < n; i++)
        if (p[i] > 0) h -= p[i] * log(p[i]);
    return h;
}

/* The image of the sample and, per class, each model's probability as a bar. */
static int draw_distribution(app *a, int y0, int w, int h)
{
    int C = a->testset.nclasses, rows = C + 2 < h ? C + 2 : h;
    int imgw = 30;
    tui_image_draw(a->g, 0, y0, 28, rows, a->testset.pixels + (size_t)a->sample * a->testset.dim,
                   a->testset.rows, a->testset.cols, TUI_STYLE_DEFAULT, a->cs);
    static const train_model models[3] = {TRAIN_TEACHER, TRAIN_STUDENT, TRAIN_BASELINE};
    static const int styles[3] = {TUI_STYLE_TEACHER, TUI_STYLE_STUDENT, TUI_STYLE_BASELINE};
    float p[3][DATA_MAX_CLASSES];
    bool have[3];
    float T = a->at_T1 ? 1.0f : a->st.T;
    for (int m = 0; m < 3; m++) {
        float z[DATA_MAX_CLASSES];
        have[m] = train_logits(a->t, models[m], &a->testset, a->sample, z) == 0 &&
                  (models[m] == TRAIN_TEACHER || a->st.phase >= TRAIN_PHASE_DISTIL);
        if (have[m]) nn_softmax(p[m], z, 1, C, T);
    }
    int namew = 13, colw = (w - imgw - namew) / 3, barw = colw - 6;
    if (barw < 4) barw = 4;
    tui_grid_printf(a->g, imgw, y0, TUI_STYLE_DIM, namew, "class");
    for (int m = 0; m < 3; m++)
        tui_grid_printf(a->g, imgw + namew + m * colw, y0, styles[m], colw, "%s@%s", train_model_name(models[m]),
             a->at_T1 ? "T=1" : "T");
    int truth = a->testset.labels[a->sample];
    for (int c = 0; c < C && c + 1 < rows - 1; c++) {
        int y = y0 + 1 + c;
        tui_grid_printf(a->g, imgw, y, c == truth ? TUI_STYLE_TRUE : TUI_STYLE_DEFAULT, namew - 1, "%s%s",
             c == truth ? "> " : "  ", a->testset.class_names[c]);
        for (int m = 0; m < 3; m++) {
            int x = imgw + namew + m * colw;
            if (!have[m]) {
                tui_grid_printf(a->g, x, y, TUI_STYLE_DIM, colw, c == 0 ? "(not yet)" : "");
                continue;
            }
            char v[8];
            tui_bar_draw(a->g, x, y, barw, p[m][c], styles[m], a->cs);
            bool top = nn_argmax(p[m], C) == c;
            tui_grid_printf(a->g, x + barw, y, top ? TUI_STYLE_TRUE : TUI_STYLE_DEFAULT, 6, " %s%s",
                 tui_prob_format(p[m][c], v, sizeof v), top ? "<" : "");
        }
    }
    int y = y0 + rows - 1;
    tui_grid_printf(a->g, imgw, y, TUI_STYLE_DIM, namew, "entropy");
    for (int m = 0; m < 3; m++)
        if (have[m]) tui_grid_printf(a->g, imgw + namew + m * colw, y, styles[m], colw, "%.3f", entropy(p[m], C));
    return rows;
}

static void draw_charts(app *a, int y0, int w, int h)
{
    int lw = w / 2;
    tui_series s[4] = {
        {a->total.v, a->x.v, a->total.n, TUI_STYLE_TOTAL, "total"},
        {a->ce.v, a->x.v, a->ce.n, TUI_STYLE_CE, "CE"},
        {a->t2kl.v, a->x.v, a->t2kl.n, TUI_STYLE_KL, "T^2*KL"},
        {a->base_ce.v, a->x.v, a->base_ce.n, TUI_STYLE_BASELINE, "baseline CE"},
    };
    tui_chart_opts o = {0};
    o.mode = a->cs;
    o.axis_style = TUI_STYLE_AXIS;
    o.title = "loss by step:";
    o.smooth = a->smooth ? 0.9f : 0.0f;
    tui_chart_draw(a->g, 0, y0, lw - 1, h, s, 4, &o);

    tui_series acc[3];
    static const int styles[3] = {TUI_STYLE_TEACHER, TUI_STYLE_STUDENT, TUI_STYLE_BASELINE};
    for (int m = 0; m < 3; m++)
        acc[m] = (tui_series){a->acc[m].v, a->acc_x[m].v, a->acc[m].n, styles[m],
                              train_model_name((train_model)m)};
    tui_chart_opts oa = {0};
    oa.mode = a->cs;
    oa.axis_style = TUI_STYLE_AXIS;
    const train_eval *st = &a->st.eval[TRAIN_STUDENT], *bl = &a->st.eval[TRAIN_BASELINE],
                     *te = &a->st.eval[TRAIN_TEACHER];
    char title[96] = "accuracy by epoch:";
    /* the teacher's last accuracy is the mark the students aim at */
    if (st->n && bl->n && te->n)
        snprintf(title, sizeof title, "accuracy (teacher %.3f), gap %+.2f:", te->acc, 100 * (st->acc - bl->acc));
    else if (st->n && bl->n)
        snprintf(title, sizeof title, "accuracy, gap %+.2f:", 100 * (st->acc - bl->acc));
    oa.title = title;
    /* the teacher's epochs are another phase's: show the distillation's when it has begun */
    tui_chart_draw(a->g, lw, y0, w - lw, h, a->acc[TRAIN_STUDENT].n ? acc + 1 : acc,
                   a->acc[TRAIN_STUDENT].n ? 2 : 1, &oa);
}

static void draw_log(app *a, int y0, int w, int h)
{
    for (int i = 0; i < h; i++) {
        int k = a->nlog - h + i;
        if (k < 0) continue;
        const char *line = a->log[k % LOG_LINES];
        int style = strncmp(line, "error", 5) && strncmp(line, "script error", 12) ? TUI_STYLE_DIM
                                                                                  : TUI_STYLE_ERROR;
        tui_grid_printf(a->g, 0, y0 + i, style, w, "%s", line);
    }
}

static void draw_help(app *a, int w, int h)
{
    int bw = 60, bh = 0;
    for (size_t i = 0; i < NKEYS; i++) bh += keys[i].keys != NULL;
    bh += 4;
    int x0 = (w - bw) / 2, y0 = (h - bh) / 2;
    tui_grid_fill(a->g, x0, y0, bw, bh, ' ', TUI_STYLE_DEFAULT);
    tui_grid_printf(a->g, x0 + 2, y0 + 1, TUI_STYLE_TITLE, bw - 4, "keys (any key closes this)");
    int y = y0 + 2;
    for (size_t i = 0; i < NKEYS; i++) {
        if (!keys[i].keys) continue;
        tui_grid_printf(a->g, x0 + 2, y, TUI_STYLE_TRUE, 12, "%s", keys[i].keys);
        tui_grid_printf(a->g, x0 + 14, y++, TUI_STYLE_DEFAULT, bw - 16, "%s", keys[i].help);
    }
}

static void draw(app *a)
{
    int w, h;
    tui_term_size(&w, &h);
    if (!a->g || tui_grid_width(a->g) != w || tui_grid_height(a->g) != h) {
        tui_grid_free(a->g);
        a->g = tui_grid_new(w > 0 ? w : 1, h > 0 ? h : 1);
        if (!a->g) return;
        clear();
    }
    tui_grid_clear(a->g);
    if (w < MIN_W || h < MIN_H) {
        tui_grid_printf(a->g, 0, h / 2 - 1, TUI_STYLE_WARN, w, "terminal too small: %dx%d", w, h);
        tui_grid_printf(a->g, 0, h / 2, TUI_STYLE_DEFAULT, w, "distillery needs %dx%d; q quits", MIN_W, MIN_H);
        tui_term_show(a->g);
        return;
    }
    draw_header(a, w);
    int y = 2;
    y += draw_distribution(a, y, w, 14) + 1;
    int logh = h >= 40 ? 6 : h >= 30 ? 4 : 2;
    int charth = h - y - logh - 1;
    draw_charts(a, y, w, charth);
    draw_log(a, y + charth, w, logh);
    if (a->failure[0]) tui_grid_printf(a->g, 0, h - 2, TUI_STYLE_ERROR, w, "%s", a->failure);
    else if (a->notice[0]) tui_grid_printf(a->g, 0, h - 2, TUI_STYLE_WARN, w, "%s", a->notice);
    tui_grid_printf(a->g, 0, h - 1, TUI_STYLE_DIM, w, "space pause  n step  t/T temp  a/A alpha  l/L lr  j/k sample  "
         "d disagree  1 T=1  ? help  q quit");
    if (a->help) draw_help(a, w, h);
    tui_term_show(a->g);
}

/* --- the loop ------------------------------------------------------------------------------ */

static int finish(app *a, char *err, size_t errlen)
{
    const char *status = a->failed ? "failed" : a->done ? "done" : "stopped";
    char buf[1200];
    if (a->failed || (a->failure[0] && !a->done)) {
        snprintf(buf, sizeof buf, "failed: %s", a->failure);
        status = buf;
    }
    if (a->done && !a->failed && train_save_models(a->t, train_rundir_path(a->rd), err, errlen))
        train_rundir_note(a->rd, err);
    if (a->sc && script_on_done(a->sc, &a->st, status, train_rundir_path(a->rd), err, errlen))
        train_rundir_note(a->rd, err);
    double secs = now_ms() / 1e3 - (a->t0.tv_sec + a->t0.tv_nsec * 1e-9);
    int rc = train_rundir_close(a->rd, &a->st, status, secs, err, errlen);
    a->rd = NULL;
    return rc;
}

int tui_run(train_settings *o, script *sc)
{
    static app a; /* large (the log), and one per process */
    char err[1024], dir[TRAIN_PATH];
    memset(&a, 0, sizeof a);
    a.o = o;
    a.sc = sc;
    a.step_to = -1;
    if (tui_term_open()) return -1;
    /* the first frame comes before the data: loading Fashion-MNIST takes a third of a second */
    int w, h;
    tui_term_size(&w, &h);
    if ((a.g = tui_grid_new(w > 0 ? w : 1, h > 0 ? h : 1))) {
        tui_grid_printf(a.g, 0, 0, TUI_STYLE_TITLE, w, "distillery  %s  loading the data...", o->c.name);
        tui_term_show(a.g);
    }
    char note[1200];
    if (run_load_data(o, &a.trainset, &a.testset, note, sizeof note, err, sizeof err) ||
        train_config_fit_data(&o->c, &a.trainset, o->teacher_given, o->student_given, err, sizeof err) ||
        !(a.t = train_new(&o->c, &a.trainset, &a.testset, sink, &a, err, sizeof err)) ||
        !(a.rd = train_rundir_open(train_get_config(a.t), err, sizeof err))) {
        tui_term_close();
        fprintf(stderr, "distillery: %s\n", err);
        tui_grid_free(a.g);
        train_free(a.t);
        data_free(&a.trainset);
        data_free(&a.testset);
        return 1;
    }
    a.cs = tui_term_charset();
    snprintf(dir, sizeof dir, "%s", train_rundir_path(a.rd));
    train_get_state(a.t, &a.st);
    clock_gettime(CLOCK_MONOTONIC, &a.t0);
    a.last_rate = a.t0;
    logf_(&a, "run directory: %s", dir);
    if (note[0]) {
        logf_(&a, "%s", note);
        train_rundir_note(a.rd, note);
    }
    if (sc) {
        script_set_print(sc, script_print, &a);
        script_controls c = {0};
        if (script_on_start(sc, &a.st, &c, err, sizeof err)) script_failed(&a, err);
        else apply(&a, &c, true);
    }
    double last_draw = 0;
    while (!a.quit && !tui_term_signalled()) {
        if (!a.paused && !a.done) train_slice(&a);
        bool idle = a.paused || a.done;
        for (int k; (k = tui_term_key(idle ? FRAME_MS : 0)) != -1; idle = false) {
            if (k == KEY_RESIZE) continue;
            if (handle_key(&a, k) == KEY_QUIT_APP) a.quit = true;
        }
        double t = now_ms();
        if (t - last_draw >= FRAME_MS || a.quit) {
            draw(&a);
            last_draw = t;
        }
    }
    if (tui_term_signalled()) logf_(&a, "stopped by signal %d", tui_term_signalled());
    tui_term_close();
    if (sc) script_set_print(sc, NULL, NULL);
    int closed = finish(&a, err, sizeof err);
    if (closed) fprintf(stderr, "distillery: %s\n", err);
    if (a.failed) fprintf(stderr, "distillery: %s\n", a.failure);
    else if (a.done) run_print_summary(&a.st, dir);
    else printf("stopped at %s epoch %d step %ld  run: %s\n", train_phase_name(a.st.phase),
                a.st.epoch, a.st.step, dir);
    int status = tui_term_signalled() ? 130 : a.failed || closed ? 1 : 0;
    tui_grid_free(a.g);
    for (int m = 0; m < TRAIN_NMODELS; m++) free(a.acc_x[m].v), free(a.acc[m].v);
    free(a.x.v), free(a.total.v), free(a.ce.v), free(a.t2kl.v), free(a.base_ce.v);
    free(a.teacher_z), free(a.student_z), free(a.rank);
    train_free(a.t);
    data_free(&a.trainset);
    data_free(&a.testset);
    return status;
}

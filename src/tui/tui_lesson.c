/* tui_lesson: the lesson screen. The students are plain logit vectors, one per answer, starting
 * equal; a training step moves each by the gradient of its own loss: the hard student's is
 * CE(one-hot), the soft student's is T^2 * KL(teacher@T || student@T) (the loss of DESIGN.md at
 * alpha 0 and 1). With equal starting logits the hard gradient treats every wrong answer alike,
 * so that student never ranks them; the soft one learns the teacher's ranking. The number that
 * says so is a rank agreement over the pairs of wrong answers: +1 same order, -1 reversed, 0 no
 * order. */
#include "tui/tui_lesson.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "distillery/nn_layers.h"
#include "distillery/nn_loss.h"
#include "plot/plot_canvas.h"
#include "plot/plot_run.h"
#include "tui/tui_draw.h"
#include "tui/tui_term.h"

#define N SCRIPT_MAX_ANSWERS
#define LR 0.5f

typedef struct lesson {
    script *sc;
    char title[128];
    int nq, qi;
    script_question q;
    float T;
    bool sweep, sweep_up, hidden, waiting, done_narration, quit;
    long to_train, trained;
    float hard[N], soft[N];
    char say[512], error[1100], notice[1200];
    bool contrast, go;
    int labelw; /* columns of an answer's label in the big layout */
    tui_grid *g;
    tui_charset cs;
} lesson;

static void reset_students(lesson *l)
{
    memset(l->hard, 0, sizeof l->hard);
    memset(l->soft, 0, sizeof l->soft);
    l->trained = 0;
}

static void load_question(lesson *l, int i)
{
    if (script_lesson_question(l->sc, i, &l->q) == 0) l->qi = i;
    reset_students(l);
}

/* One step of each student on this question. */
static void learn_step(lesson *l)
{
    int n = l->q.n, y = l->q.correct;
    float g[N];
    nn_kd_loss(l->hard, NULL, &y, 1, n, 1.0f, 0.0f, g);
    for (int k = 0; k < n; k++) l->hard[k] -= LR * g[k];
    int none = -1;
    nn_kd_loss(l->soft, l->q.teacher, &none, 1, n, l->T, 1.0f, g);
    for (int k = 0; k < n; k++) l->soft[k] -= LR * g[k];
    l->trained++;
}

/* Rank agreement with the teacher over the pairs of wrong answers, in [-1, 1]. */
static double agreement(const lesson *l, const float *z)
{
    int pairs = 0;
    double sum = 0;
    for (int i = 0; i < l->q.n; i++)
        for (int j = i + 1; j < l->q.n; j++) {
            if (i == l->q.correct || j == l->q.correct) continue;
            float t = l->q.teacher[i] - l->q.teacher[j], s = z[i] - z[j];
            int a = (t > 0) - (t < 0), b = (fabsf(s) < 1e-6f) ? 0 : (s > 0) - (s < 0);
            sum += a * b;
            pairs++;
        }
    return pairs ? sum / pairs : 0;
}

/* Run the narration until it waits for a key or asks to train. */
static void narrate(lesson *l)
{
    char err[1024];
    while (!l->waiting && !l->to_train && !l->done_narration) {
        lesson_cmd c;
        if (script_lesson_next(l->sc, &c, err, sizeof err)) {
            snprintf(l->error, sizeof l->error, "%s", err);
            l->done_narration = true;
            return;
        }
        switch (c.op) {
        case LESSON_END: l->done_narration = true; break;
        case LESSON_SAY: snprintf(l->say, sizeof l->say, "%s", c.text); break;
        case LESSON_WAIT: l->waiting = true; break;
        case LESSON_SET_T: l->T = (float)c.value; break;
        case LESSON_TRAIN: l->to_train = (long)c.value; break;
        case LESSON_REVEAL: l->hidden = false; break;
        case LESSON_HIDE: l->hidden = true; break;
        case LESSON_QUESTION: load_question(l, (int)c.value); break;
        case LESSON_EXPERIMENT: l->go = true, l->quit = true, l->done_narration = true; break;
        }
    }
}

/* Text in the plot font, two pixel rows a cell: PLOT_FONT_W columns and PLOT_FONT_H / 2 rows a
 * character, for the back of the room. */
static void big_text(lesson *l, int x, int y, int style, int maxw, const char *s)
{
    for (int i = 0; s[i] && (i + 1) * PLOT_FONT_W <= maxw; i++)
        for (int r = 0; r < PLOT_FONT_H / 2; r++)
            for (int c = 0; c < PLOT_FONT_W; c++) {
                int up = plot_font_pixel((unsigned char)s[i], c, 2 * r);
                int down = plot_font_pixel((unsigned char)s[i], c, 2 * r + 1);
                uint32_t cp = l->cs == TUI_ASCII ? (up || down ? '#' : ' ')
                              : up && down ? 0x2588 : up ? 0x2580 : down ? 0x2584 : ' ';
                if (cp != ' ') tui_grid_put(l->g, x + i * PLOT_FONT_W + c, y + r, cp, style);
            }
}

static void bars(lesson *l, int x, int y, int barw, int rows, const float *p, int style,
                 bool hidden)
{
    int labelw = rows >= PLOT_FONT_H / 2 ? l->labelw : 12;
    for (int k = 0; k < l->q.n; k++) {
        int yy = y + k * rows;
        if (rows >= PLOT_FONT_H / 2)
            big_text(l, x, yy, k == l->q.correct ? TUI_STYLE_TRUE : TUI_STYLE_DEFAULT, labelw - 1,
                     l->q.answers[k]);
        else
            tui_grid_printf(l->g, x, yy, k == l->q.correct ? TUI_STYLE_TRUE : TUI_STYLE_DEFAULT, 12, "%s",
                 l->q.answers[k]);
        if (hidden) {
            tui_grid_printf(l->g, x + labelw, yy, TUI_STYLE_DIM, barw, "?");
            continue;
        }
        char v[8];
        for (int r = 0; r < rows; r++) tui_bar_draw(l->g, x + labelw, yy + r, barw, p[k], style, l->cs);
        tui_grid_printf(l->g, x + labelw + barw + 1, yy, TUI_STYLE_DEFAULT, 5, "%s", tui_prob_format(p[k], v, sizeof v));
    }
}

static void draw(lesson *l)
{
    int w, h;
    tui_term_size(&w, &h);
    if (!l->g || tui_grid_width(l->g) != w || tui_grid_height(l->g) != h) {
        tui_grid_free(l->g);
        if (!(l->g = tui_grid_new(w > 0 ? w : 1, h > 0 ? h : 1))) return;
        clear();
    }
    tui_grid_clear(l->g);
    if (w < 80 || h < 24) {
        tui_grid_printf(l->g, 0, h / 2, TUI_STYLE_WARN, w, "terminal too small: %dx%d, the lesson needs 80x24", w, h);
        tui_term_show(l->g);
        return;
    }
    int n = l->q.n, rows = h >= 40 ? 2 : 1; /* taller bars where the room allows */
    /* the big layout: labels in the big font and bars as tall, when a whole screen's worth of
     * room is there (a projector's terminal) */
    int longest = 0;
    for (int k = 0; k < n; k++) longest = (int)strlen(l->q.answers[k]) > longest ? (int)strlen(l->q.answers[k]) : longest;
    l->labelw = (longest + 1) * PLOT_FONT_W;
    if (h >= 10 + 2 * n * (PLOT_FONT_H / 2) + 8 && w / 2 >= l->labelw + 20) rows = PLOT_FONT_H / 2;
    tui_grid_printf(l->g, 0, 0, TUI_STYLE_TITLE, w, "distillery lesson: %s   question %d/%d   T %.2f%s", l->title,
         l->qi + 1, l->nq, l->T, l->sweep ? "  (sweeping T)" : "");
    tui_grid_printf(l->g, 0, 2, TUI_STYLE_TITLE, w, "%s", l->q.text);
    int half = w / 2, barw = half - (rows >= PLOT_FONT_H / 2 ? l->labelw : 12) - 8;
    float hard_label[N] = {0}, pt[N], ph[N], ps[N];
    hard_label[l->q.correct] = 1;
    nn_softmax(pt, l->q.teacher, 1, n, l->T);
    /* the students at the same T as the teacher, so their view of the wrong answers shows */
    nn_softmax(ph, l->hard, 1, n, l->T);
    nn_softmax(ps, l->soft, 1, n, l->T);
    int y = 4;
    tui_grid_printf(l->g, 0, y, TUI_STYLE_DIM, half, "the bare answer (hard label)");
    tui_grid_printf(l->g, half, y, TUI_STYLE_TEACHER, half, "the teacher's soft labels at T = %.2f", l->T);
    bars(l, 0, y + 1, barw, rows, hard_label, TUI_STYLE_BASELINE, false);
    bars(l, half, y + 1, barw, rows, pt, TUI_STYLE_TEACHER, l->hidden);
    y += 1 + n * rows;
    if (!l->hidden) {
        /* how much sits on wrong answers, and in which order */
        double H = 0, wrong = 0;
        for (int k = 0; k < n; k++) {
            if (pt[k] > 0) H -= pt[k] * log(pt[k]);
            if (k != l->q.correct) wrong += pt[k];
        }
        char order[256] = "";
        bool used[N] = {false};
        used[l->q.correct] = true;
        for (int r = 0; r < n - 1; r++) {
            int best = -1;
            for (int k = 0; k < n; k++)
                if (!used[k] && (best < 0 || pt[k] > pt[best])) best = k;
            used[best] = true;
            size_t len = strlen(order);
            snprintf(order + len, sizeof order - len, "%s%s %.2f", r ? " > " : "", l->q.answers[best], pt[best]);
        }
        tui_grid_printf(l->g, half, y, TUI_STYLE_DEFAULT, w - half, "entropy %.2f   on wrong answers %.2f", H, wrong);
        tui_grid_printf(l->g, half, y + 1, TUI_STYLE_DIM, w - half, "wrong answers: %s", order);
    }
    y += 3;
    tui_grid_printf(l->g, 0, y, TUI_STYLE_BASELINE, half, "student taught the bare answer, at T");
    tui_grid_printf(l->g, half, y, TUI_STYLE_STUDENT, half, "student taught the soft labels, at T");
    bars(l, 0, y + 1, barw, rows, ph, TUI_STYLE_BASELINE, false);
    bars(l, half, y + 1, barw, rows, ps, TUI_STYLE_STUDENT, false);
    y += 1 + n * rows;
    tui_grid_printf(l->g, 0, y, TUI_STYLE_DEFAULT, w, "after %ld training steps, rank agreement with the teacher over the "
         "wrong answers:", l->trained);
    tui_grid_printf(l->g, 0, y + 1, TUI_STYLE_TRUE, w, "bare answer %+.2f    soft labels %+.2f", agreement(l, l->hard),
         agreement(l, l->soft));
    if (l->notice[0]) tui_grid_printf(l->g, 0, h - 5, TUI_STYLE_DIM, w, "%s", l->notice);
    if (l->error[0]) {
        tui_grid_printf(l->g, 0, h - 3, TUI_STYLE_ERROR, w, "%s", l->error);
    } else { /* the narration on up to two lines, broken at a space */
        int len = (int)strlen(l->say), cut = len;
        if (len > w) {
            for (cut = w; cut > 0 && l->say[cut] != ' '; cut--) {}
            if (cut == 0) cut = w;
        }
        tui_grid_printf(l->g, 0, h - 4, TUI_STYLE_TITLE, cut, "%s", l->say);
        if (cut < len) tui_grid_printf(l->g, 0, h - 3, TUI_STYLE_TITLE, w, "%s", l->say + cut + (l->say[cut] == ' '));
    }
    if (l->waiting) tui_grid_printf(l->g, 0, h - 2, TUI_STYLE_DIM, w, "(space to go on)");
    tui_grid_printf(l->g, 0, h - 1, TUI_STYLE_DIM, w, "space next  t/T temp  w sweep T  h hide  l learn  r reset  "
         "n/p question  c contrast  g png  q quit");
    tui_term_show(l->g);
}

/* g: the teacher's soft labels at T and both students as a PNG, for a slide */
static void write_png(lesson *l)
{
    char err[1200], path[64], names[N][DATA_CLASS_NAME];
    float pt[N], ph[N], ps[N];
    nn_softmax(pt, l->q.teacher, 1, l->q.n, l->T);
    nn_softmax(ps, l->soft, 1, l->q.n, l->T);
    nn_softmax(ph, l->hard, 1, l->q.n, l->T);
    for (int k = 0; k < l->q.n; k++) snprintf(names[k], sizeof names[k], "%s", l->q.answers[k]);
    plot_sample s = {.label = l->q.correct, .nclasses = l->q.n, .T = l->T,
                     .class_names = (const char(*)[DATA_CLASS_NAME])names,
                     .probs = {pt, ps, ph}, .title = l->q.text,
                     .model_names = {"teacher", "student from soft labels", "student from the bare answer"}};
    snprintf(path, sizeof path, "lesson-q%d-T%.2f.png", l->qi + 1, l->T);
    if (plot_sample_png(path, &s, PLOT_DEFAULT_W, PLOT_DEFAULT_H, err, sizeof err))
        snprintf(l->notice, sizeof l->notice, "%s", err);
    else
        snprintf(l->notice, sizeof l->notice, "written: %s", path);
}

static void key(lesson *l, int k)
{
    switch (k) {
    case ' ':
        l->waiting = false;
        narrate(l);
        break;
    case 't': l->T = fmaxf(0.05f, l->T / 1.25f), l->sweep = false; break;
    case 'T': l->T = fminf(50.0f, l->T * 1.25f), l->sweep = false; break;
    case 'w': l->sweep = !l->sweep, l->sweep_up = true; break;
    case 'h': l->hidden = !l->hidden; break;
    case 'l': l->to_train += 10; break;
    case 'r': reset_students(l); break;
    case 'n': load_question(l, (l->qi + 1) % l->nq); break;
    case 'p': load_question(l, (l->qi + l->nq - 1) % l->nq); break;
    case 'c': l->contrast = !l->contrast, tui_term_theme(l->contrast), clear(); break;
    case 'g': write_png(l); break;
    case 'x': l->go = true, l->quit = true; break;
    case 'q': l->quit = true; break;
    default: break;
    }
}

int tui_lesson_run(script *sc)
{
    static lesson l;
    memset(&l, 0, sizeof l);
    l.sc = sc;
    l.T = 2.0f;
    l.nq = script_lesson_size(sc, l.title, sizeof l.title);
    load_question(&l, 0);
    if (tui_term_open()) return -1;
    l.cs = tui_term_charset();
    narrate(&l);
    while (!l.quit && !tui_term_signalled()) {
        int k = tui_term_key(l.to_train || l.sweep ? 40 : 100);
        if (k != -1 && k != KEY_RESIZE) key(&l, k);
        if (l.to_train) { /* visibly: a step per frame */
            learn_step(&l);
            if (--l.to_train == 0) narrate(&l);
        }
        if (l.sweep) { /* 0.5 -> 20 -> 0.5, geometrically */
            l.T *= l.sweep_up ? 1.06f : 1 / 1.06f;
            if (l.T >= 20) l.sweep_up = false;
            if (l.T <= 0.5f) l.sweep_up = true;
        }
        draw(&l);
    }
    int sig = tui_term_signalled();
    tui_term_close();
    tui_grid_free(l.g);
    if (l.error[0]) fprintf(stderr, "distillery: %s\n", l.error);
    return sig ? 130 : l.error[0] ? 1 : l.go ? TUI_LESSON_EXPERIMENT : 0;
}

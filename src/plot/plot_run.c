/* plot_run: loss, accuracy and sample charts drawn on a plot_canvas from metrics.csv.
 *
 * A chart is a title, a plot box with ticks (the same rounded steps as the screen's charts), axis
 * labels and a legend in the top right. The colours differ in brightness as well as hue, and the
 * series also differ in line width, so the charts read printed in greyscale. */
#include "plot/plot_run.h"

#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/plot_canvas.h"
#include "tui/tui_draw.h"

static const plot_rgb WHITE = {255, 255, 255}, BLACK = {0, 0, 0}, GRID = {225, 225, 225},
                      AXIS = {60, 60, 60};
/* teacher dark blue, student orange, baseline mid grey: three distinct greys when printed */
static const plot_rgb MODEL[3] = {{20, 50, 140}, {235, 125, 0}, {140, 140, 140}};
static const plot_rgb TOTAL = {0, 0, 0}, CE = {40, 110, 220}, T2KL = {200, 30, 30};

/* a growing list of (x, y) */
typedef struct points {
    float *x, *y;
    int n, cap;
} points;

static int add(points *p, float x, float y)
{
    if (p->n == p->cap) {
        int cap = p->cap ? 2 * p->cap : 256;
        float *nx = realloc(p->x, sizeof(float) * (size_t)cap);
        if (!nx) return -1;
        p->x = nx;
        float *ny = realloc(p->y, sizeof(float) * (size_t)cap);
        if (!ny) return -1;
        p->y = ny;
        p->cap = cap;
    }
    p->x[p->n] = x;
    p->y[p->n++] = y;
    return 0;
}

static void points_free(points *p)
{
    free(p->x);
    free(p->y);
}

typedef struct line_series {
    const points *p;
    const char *label;
    plot_rgb col;
    double width;
} line_series;

typedef struct frame {
    int x0, y0, x1, y1; /* the plot box */
    double xmin, xmax, ymin, ymax;
} frame;

static double fx(const frame *f, double x)
{
    return f->x0 + (x - f->xmin) / (f->xmax - f->xmin) * (f->x1 - f->x0);
}

static double fy(const frame *f, double y)
{
    return f->y1 - (y - f->ymin) / (f->ymax - f->ymin) * (f->y1 - f->y0);
}

/* Title, box, grid, ticks and axis labels; fills f's box from the canvas size. */
static void draw_frame(plot_canvas *c, frame *f, const char *title, const char *xlabel,
                       const char *ylabel, bool xticks)
{
    int w = plot_canvas_width(c), h = plot_canvas_height(c), s = w >= 1200 ? 2 : 1;
    int th = plot_text_height(2 * s);
    plot_text(c, (w - plot_text_width(title, 2 * s)) / 2, th / 2, title, 2 * s, BLACK);
    f->x0 = 12 * 8 * s / 2 + plot_text_height(s) * 2;
    f->y0 = th * 2;
    f->x1 = w - 30 * s;
    f->y1 = h - plot_text_height(s) * 4;
    tui_tick t[8];
    int n = tui_ticks(f->ymin, f->ymax, 6, t);
    for (int i = 0; i < n; i++) {
        int y = (int)lround(fy(f, t[i].v));
        plot_line(c, f->x0, y, f->x1, y, 1, GRID);
        plot_text(c, f->x0 - plot_text_width(t[i].label, s) - 6 * s, y - plot_text_height(s) / 2,
                  t[i].label, s, AXIS);
    }
    if (xticks) {
        n = tui_ticks(f->xmin, f->xmax, 8, t);
        for (int i = 0; i < n; i++) {
            int x = (int)lround(fx(f, t[i].v));
            plot_line(c, x, f->y1, x, f->y1 + 5 * s, 1, AXIS);
            plot_text(c, x - plot_text_width(t[i].label, s) / 2, f->y1 + 8 * s, t[i].label, s, AXIS);
        }
    }
    plot_rect(c, f->x0, f->y0, f->x1 - f->x0 + 1, f->y1 - f->y0 + 1, 1, AXIS);
    plot_text(c, (f->x0 + f->x1 - plot_text_width(xlabel, s)) / 2,
              h - plot_text_height(s) * 2 + s, xlabel, s, BLACK);
    plot_text_vertical(c, s * 4, (f->y0 + f->y1 - plot_text_width(ylabel, s)) / 2, ylabel, s, BLACK);
}

/* The legend in the top right corner, or the bottom right (bottom) where rising curves leave
 * room. */
static void draw_legend(plot_canvas *c, const frame *f, const char *const *labels,
                        const plot_rgb *cols, int n, bool bottom)
{
    int s = plot_canvas_width(c) >= 1200 ? 2 : 1, lh = plot_text_height(s) + 6 * s, wmax = 0;
    for (int i = 0; i < n; i++) {
        int tw = plot_text_width(labels[i], s);
        wmax = tw > wmax ? tw : wmax;
    }
    int bw = wmax + 40 * s, bh = n * lh + 8 * s, x = f->x1 - bw - 10 * s;
    int y = bottom ? f->y1 - bh - 10 * s : f->y0 + 10 * s;
    plot_fill_rect(c, x, y, bw, bh, WHITE);
    plot_rect(c, x, y, bw, bh, 1, AXIS);
    for (int i = 0; i < n; i++) {
        int ly = y + 4 * s + i * lh + lh / 2;
        plot_line(c, x + 6 * s, ly, x + 26 * s, ly, 3 * s, cols[i]);
        plot_text(c, x + 32 * s, ly - plot_text_height(s) / 2, labels[i], s, BLACK);
    }
}

static int line_chart(const char *path, int w, int h, const char *title, const char *xlabel,
                      const char *ylabel, const line_series *s, int ns, bool rising, char *err,
                      size_t errlen)
{
    frame f = {0, 0, 0, 0, INFINITY, -INFINITY, INFINITY, -INFINITY};
    for (int k = 0; k < ns; k++)
        for (int i = 0; i < s[k].p->n; i++) {
            double x = s[k].p->x[i], y = s[k].p->y[i];
            if (!isfinite(x) || !isfinite(y)) continue;
            f.xmin = fmin(f.xmin, x), f.xmax = fmax(f.xmax, x);
            f.ymin = fmin(f.ymin, y), f.ymax = fmax(f.ymax, y);
        }
    if (!isfinite(f.xmin)) f.xmin = 0, f.xmax = 1, f.ymin = 0, f.ymax = 1;
    if (f.xmax <= f.xmin) f.xmax = f.xmin + 1;
    double pad = (f.ymax - f.ymin) * 0.05 + 1e-9;
    /* a falling loss is drawn from 0; a rising accuracy from just below its lowest value */
    f.ymin = !rising && f.ymin >= 0 ? 0 : f.ymin - pad;
    f.ymax += pad;
    plot_canvas *c = plot_canvas_new(w, h, WHITE);
    if (!c) return snprintf(err, errlen, "%s: out of memory", path), -1;
    draw_frame(c, &f, title, xlabel, ylabel, true);
    const char *labels[8];
    plot_rgb cols[8];
    for (int k = 0; k < ns && k < 8; k++) {
        const points *p = s[k].p;
        double scale = w >= 1200 ? 2 : 1;
        for (int i = 1; i < p->n; i++)
            if (isfinite(p->y[i - 1]) && isfinite(p->y[i]))
                plot_line(c, fx(&f, p->x[i - 1]), fy(&f, p->y[i - 1]), fx(&f, p->x[i]),
                          fy(&f, p->y[i]), s[k].width * scale, s[k].col);
        if (p->n == 1) /* one epoch: a dot */
            plot_fill_rect(c, (int)fx(&f, p->x[0]) - 3, (int)fy(&f, p->y[0]) - 3, 7, 7, s[k].col);
        labels[k] = s[k].label;
        cols[k] = s[k].col;
    }
    draw_legend(c, &f, labels, cols, ns < 8 ? ns : 8, rising);
    int rc = plot_png_write(c, path, err, errlen);
    plot_canvas_free(c);
    return rc;
}

int plot_sample_png(const char *path, const plot_sample *sm, int w, int h, char *err,
                    size_t errlen)
{
    plot_canvas *c = plot_canvas_new(w, h, WHITE);
    if (!c) return snprintf(err, errlen, "%s: out of memory", path), -1;
    char title[128];
    if (sm->title) snprintf(title, sizeof title, "%s (T = %g)", sm->title, sm->T);
    else snprintf(title, sizeof title, "sample %d (%s): probabilities at T = %g", sm->index,
                  sm->class_names[sm->label], sm->T);
    frame f = {0, 0, 0, 0, 0, 1, 0, 1.3}; /* headroom above 1 keeps the legend off the bars */
    draw_frame(c, &f, title, "class (the true one marked *)", "probability", false);
    int s = w >= 1200 ? 2 : 1, C = sm->nclasses;
    double slot = (double)(f.x1 - f.x0) / C, bw = slot * 0.8 / 3;
    static const char *const default_names[3] = {"teacher", "distilled student", "baseline"};
    const char *const *names = sm->model_names[0] ? sm->model_names : default_names;
    for (int k = 0; k < C; k++) {
        double x = f.x0 + k * slot + slot * 0.1;
        for (int m = 0; m < 3; m++) {
            if (!sm->probs[m]) continue;
            double p = fmin(1.0, fmax(0.0, sm->probs[m][k]));
            int top = (int)lround(fy(&f, p));
            plot_fill_rect(c, (int)lround(x + m * bw), top, (int)fmax(1, bw - 2), f.y1 - top, MODEL[m]);
        }
        char name[DATA_CLASS_NAME + 2];
        snprintf(name, sizeof name, "%s%s", k == sm->label ? "*" : "", sm->class_names[k]);
        int scale = plot_text_width(name, s) > slot ? 1 : s;
        plot_text(c, (int)(f.x0 + k * slot + (slot - plot_text_width(name, scale)) / 2), f.y1 + 8 * s,
                  name, scale, k == sm->label ? BLACK : AXIS);
    }
    const char *labels[3];
    plot_rgb cols[3];
    int n = 0;
    for (int m = 0; m < 3; m++)
        if (sm->probs[m]) labels[n] = names[m], cols[n++] = MODEL[m];
    draw_legend(c, &f, labels, cols, n, false);
    int rc = plot_png_write(c, path, err, errlen);
    plot_canvas_free(c);
    return rc;
}

/* Split a CSV line in place into at most n fields; returns the count. */
static int split(char *line, char **fields, int n)
{
    int k = 0;
    for (char *p = line; k < n;) {
        fields[k++] = p;
        char *comma = strchr(p, ',');
        if (!comma) break;
        *comma = '\0';
        p = comma + 1;
    }
    return k;
}

static float num(const char *s)
{
    return *s ? strtof(s, NULL) : NAN;
}

int plot_run(const char *run_dir, const plot_sample *sample, int w, int h, int *written,
             char *err, size_t errlen)
{
    char path[1200];
    *written = 0;
    if (w < 640 || h < 360 || w > 8192 || h > 8192)
        return snprintf(err, errlen, "charts must be 640x360 to 8192x8192, not %dx%d", w, h), -1;
    snprintf(path, sizeof path, "%s/metrics.csv", run_dir);
    FILE *f = fopen(path, "r");
    if (!f) return snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno)), -1;
    points total = {0}, ce = {0}, t2kl = {0}, base = {0}, acc[3] = {{0}};
    char line[512];
    int rc = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *c[13];
        if (lineno == 1) {
            if (strncmp(line, "kind,phase,model,epoch,step,", 28)) {
                snprintf(err, errlen, "%s: not a distillery metrics file (header '%.40s')", path, line);
                rc = -1;
                break;
            }
            continue;
        }
        if (split(line, c, 13) != 13) {
            snprintf(err, errlen, "%s:%d: expected 13 fields", path, lineno);
            rc = -1;
            break;
        }
        int model = !strcmp(c[2], "teacher") ? 0 : !strcmp(c[2], "student") ? 1 : !strcmp(c[2], "baseline") ? 2 : -1;
        float step = num(c[4]);
        if (!strcmp(c[0], "step") && model == 1) {
            rc |= add(&total, step, num(c[11])) | add(&ce, step, num(c[8])) | add(&t2kl, step, num(c[10]));
        } else if (!strcmp(c[0], "step") && model == 2) {
            rc |= add(&base, step, num(c[8]));
        } else if (!strcmp(c[0], "eval") && model >= 0) {
            rc |= add(&acc[model], num(c[3]), num(c[12]));
        }
        if (rc) {
            snprintf(err, errlen, "out of memory reading %s", path);
            break;
        }
    }
    fclose(f);
    if (rc == 0) {
        line_series ls[4] = {{&total, "total", TOTAL, 2.5}, {&ce, "CE", CE, 1.5},
                             {&t2kl, "T^2*KL", T2KL, 1.5}, {&base, "baseline CE", MODEL[2], 1.0}};
        snprintf(path, sizeof path, "%s/loss.png", run_dir);
        rc = line_chart(path, w, h, "distillation loss", "step", "loss", ls, base.n ? 4 : 3, false,
                        err, errlen);
        if (rc == 0) ++*written;
    }
    points flat = {0};
    if (rc == 0) {
        line_series ls[3];
        int n = 0;
        static const char *const names[3] = {"teacher", "distilled student", "baseline"};
        static const double widths[3] = {2.0, 2.5, 1.5};
        for (int m = 0; m < 3; m++)
            if (acc[m].n) ls[n++] = (line_series){&acc[m], names[m], MODEL[m], widths[m]};
        /* the teacher's epochs are its own phase's: beside the students it is the mark they aim
         * at, a flat line at its final accuracy */
        if (acc[0].n && acc[1].n) {
            float y = acc[0].y[acc[0].n - 1];
            rc |= add(&flat, acc[1].x[0], y) | add(&flat, acc[1].x[acc[1].n - 1], y);
            ls[0] = (line_series){&flat, "teacher (final)", MODEL[0], 2.0};
        }
        snprintf(path, sizeof path, "%s/accuracy.png", run_dir);
        rc = line_chart(path, w, h, "test accuracy", "epoch", "accuracy", ls, n, true, err, errlen);
        if (rc == 0) ++*written;
    }
    if (rc == 0 && sample) {
        snprintf(path, sizeof path, "%s/sample.png", run_dir);
        rc = plot_sample_png(path, sample, w, h, err, errlen);
        if (rc == 0) ++*written;
    }
    points_free(&total), points_free(&ce), points_free(&t2kl), points_free(&base), points_free(&flat);
    for (int m = 0; m < 3; m++) points_free(&acc[m]);
    return rc;
}

/* run: the headless run loop. Before each step the script's schedules set T, alpha and lr;
 * after it, its hooks see what happened and may change them or stop the run. Events go to the run
 * directory and, as progress, to stderr. A failure of any kind (data, a diverging loss, a script
 * error, a write error) ends the run with one clear line and a run directory that keeps all it
 * had written. */
#include "config.h"

#include "run.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "distillery/data.h"
#include "distillery/data_pngdir.h"
#include "distillery/train_rundir.h"
#include "plot/plot_run.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

typedef struct headless {
    train_rundir *rd;
    bool quiet, tty;
    struct timespec start, last_print;
    long last_samples;
    double rate;
} headless;

static double seconds_since(const struct timespec *a)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - a->tv_sec) + (double)(now.tv_nsec - a->tv_nsec) * 1e-9;
}

static void headless_sink(void *ud, const train_event *ev)
{
    headless *h = ud;
    train_rundir_sink(h->rd, ev);
    if (ev->kind == TRAIN_EV_ERROR) {
        fprintf(stderr, "%sdistillery: %s\n", h->tty ? "\n" : "", ev->text);
        return;
    }
    if (h->quiet) return;
    if (h->tty && ev->kind != TRAIN_EV_STEP) fputc('\n', stderr);
    switch (ev->kind) {
    case TRAIN_EV_PHASE: fprintf(stderr, "[%s]", ev->text); break;
    case TRAIN_EV_INFO: fprintf(stderr, "  %s", ev->text); break;
    case TRAIN_EV_EVAL: {
        const train_eval *e = ev->eval;
        fprintf(stderr, "  %-8s epoch %2d  test acc %6.2f%%  loss %.4f", train_model_name(e->model),
                e->epoch, 100.0 * e->acc, e->loss);
        break;
    }
    default: break;
    }
    if (!h->tty && ev->kind != TRAIN_EV_STEP) fputc('\n', stderr);
}

/* a one-line progress report, redrawn in place on a terminal, at most twice a second */
static void progress(headless *h, const train_state *s)
{
    if (h->quiet || s->phase >= TRAIN_PHASE_DONE) return;
    double dt = seconds_since(&h->last_print);
    if (dt < 0.5) return;
    long d = s->samples - h->last_samples;
    h->rate = d > 0 ? d / dt : h->rate;
    h->last_samples = s->samples;
    clock_gettime(CLOCK_MONOTONIC, &h->last_print);
    if (!h->tty) return;
    const train_metrics *m = &s->last[s->phase == TRAIN_PHASE_TEACHER ? TRAIN_TEACHER : TRAIN_STUDENT];
    fprintf(stderr, "\r  %-7s epoch %d/%d  step %ld/%ld  %7.0f samples/s  loss %.4f\033[K",
            train_phase_name(s->phase), s->epoch, s->epochs, s->step % (s->steps_per_epoch ? s->steps_per_epoch : 1),
            s->steps_per_epoch, h->rate, m->total);
}

int run_load_data(train_settings *o, data_set *trainset, data_set *testset, char *note,
                  size_t notelen, char *err, size_t errlen)
{
    train_config *c = &o->c;
    note[0] = '\0';
    if (c->data == TRAIN_DATA_SYNTHETIC) {
        data_synth_config sc = data_synth_defaults();
        sc.ntrain = c->synth_train;
        sc.ntest = c->synth_test;
        /* one synthetic set for every run: seeds vary the models, not the data */
        return data_synthetic(trainset, testset, &sc, err, errlen);
    }
    if (c->data == TRAIN_DATA_DIR) {
        /* IDX files make an MNIST-format folder; anything else is read as a folder of PNGs */
        char idx[TRAIN_PATH + 40], gz[TRAIN_PATH + 40];
        snprintf(idx, sizeof idx, "%s/train-images-idx3-ubyte", c->data_dir);
        snprintf(gz, sizeof gz, "%s/train-images-idx3-ubyte.gz", c->data_dir);
        if (access(idx, F_OK) == 0 || access(gz, F_OK) == 0)
            return data_load_dir(trainset, testset, c->data_dir, err, errlen);
        data_pngdir_config pc = data_pngdir_defaults();
        pc.strict = c->data_strict;
        int skipped = 0;
        char first[600];
        if (data_pngdir_load(trainset, testset, c->data_dir, &pc, &skipped, first, sizeof first, err,
                             errlen))
            return -1;
        if (skipped) snprintf(note, notelen, "skipped %d unreadable PNG%s; the first: %s", skipped,
                              skipped > 1 ? "s" : "", first);
        return 0;
    }
    if (data_fashion_mnist(trainset, testset, NULL, err, errlen) == 0) return 0;
    if (o->data_given) return -1;
    /* the default experiment still runs where Fashion-MNIST is not installed, and says so */
    snprintf(note, notelen, "%s; using the built-in synthetic set instead", err);
    c->data = TRAIN_DATA_SYNTHETIC;
    char unused[8];
    return run_load_data(o, trainset, testset, unused, sizeof unused, err, errlen);
}

/* peak resident memory of this process so far, in MiB */
double run_peak_rss_mib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss / 1024.0 : 0.0;
}

void run_print_summary(const train_state *s, const char *dir)
{
    const char *names[] = {"teacher", "student", "baseline"};
    printf("done:");
    for (int m = 0; m < TRAIN_NMODELS; m++)
        if (s->eval[m].n) printf(" %s %.2f%%", names[m], 100.0 * s->eval[m].acc);
    if (s->eval[TRAIN_STUDENT].n && s->eval[TRAIN_BASELINE].n)
        printf(" (student - baseline %+.2f points)",
               100.0 * (s->eval[TRAIN_STUDENT].acc - s->eval[TRAIN_BASELINE].acc));
    printf("  run: %s\n", dir);
    fflush(stdout);
}

/* a script's print(): into events.log and, unless quiet, onto stderr */
static void script_print(void *ud, const char *line)
{
    headless *h = ud;
    char buf[1100];
    snprintf(buf, sizeof buf, "script: %s", line);
    train_rundir_note(h->rd, buf);
    if (!h->quiet) fprintf(stderr, "%s%s\n", h->tty ? "\n" : "", buf);
}

/* Apply what schedules and hooks asked for; 1 when the script asked to stop. Hooks' changes are
 * logged as events, schedules' only in the metrics (they change every step). */
static int apply_controls(train *t, headless *h, const script_controls *c, bool logged)
{
    script_controls_apply(c, t, !logged);
    if (logged && c->pause) train_rundir_note(h->rd, "the script asked to pause; a headless run goes on");
    return logged && c->stop;
}

int run_headless(train_settings *o, script *sc, train_state *final, char *dir, size_t dirlen)
{
    char err[1024], why[1100] = "", note_buf[128];
    data_set trainset = {0}, testset = {0};
    int status = 1;
    train *t = NULL;
    headless h = {0};
    h.quiet = o->c.quiet;
    h.tty = isatty(STDERR_FILENO);
    if (dir) dir[0] = '\0';

    char note[1200];
    if (run_load_data(o, &trainset, &testset, note, sizeof note, err, sizeof err) ||
        train_config_fit_data(&o->c, &trainset, o->teacher_given, o->student_given, err, sizeof err)) {
        fprintf(stderr, "distillery: %s\n", err);
        goto out;
    }
    if (!(t = train_new(&o->c, &trainset, &testset, headless_sink, &h, err, sizeof err))) {
        fprintf(stderr, "distillery: %s\n", err);
        goto out;
    }
    if (!(h.rd = train_rundir_open(train_get_config(t), err, sizeof err))) {
        fprintf(stderr, "distillery: %s\n", err);
        goto out;
    }
    if (dir) snprintf(dir, dirlen, "%s", train_rundir_path(h.rd));
    if (note[0]) {
        train_rundir_note(h.rd, note);
        if (!h.quiet) fprintf(stderr, "distillery: %s\n", note);
    }
    train_state s, before;
    train_get_state(t, &s);
    if (!h.quiet)
        fprintf(stderr, "distillery %s: %s, %d train / %d test samples, transfer set %d (%d labelled)\n"
                "run directory: %s\n", PACKAGE_VERSION, trainset.name, trainset.n, testset.n,
                s.transfer_n, s.transfer_labeled, train_rundir_path(h.rd));
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    clock_gettime(CLOCK_MONOTONIC, &h.start);
    h.last_print = h.start;

    script_controls ctl = {0};
    int r = 1;
    bool stopped = false;
    if (sc) {
        script_set_print(sc, script_print, &h);
        if (script_on_start(sc, &s, &ctl, err, sizeof err)) r = -1;
        else stopped = apply_controls(t, &h, &ctl, true);
    }
    while (r == 1 && !stopped && !interrupted) {
        if (sc) {
            memset(&ctl, 0, sizeof ctl);
            if (script_schedule(sc, &s, &ctl, err, sizeof err)) {
                r = -1;
                break;
            }
            apply_controls(t, &h, &ctl, false);
        }
        before = s;
        r = train_step(t);
        train_get_state(t, &s);
        progress(&h, &s);
        if (sc && r >= 0) {
            memset(&ctl, 0, sizeof ctl);
            if (script_after_step(sc, &before, &s, &ctl, err, sizeof err)) r = -1;
            else stopped = apply_controls(t, &h, &ctl, true);
        }
    }
    train_get_state(t, &s);
    if (h.tty && !h.quiet) fputc('\n', stderr);
    char here[TRAIN_PATH], failure[1200];
    snprintf(here, sizeof here, "%s", train_rundir_path(h.rd));
    if (r < 0 && !train_error(t)[0]) { /* the script's failure; the trainer reports its own */
        snprintf(why, sizeof why, "%s", err);
        fprintf(stderr, "distillery: %s\n", why);
        train_rundir_note(h.rd, why);
    } else if (r < 0) {
        snprintf(why, sizeof why, "%s", train_error(t));
    }
    snprintf(note_buf, sizeof note_buf, "%.1f s, peak memory %.0f MiB", seconds_since(&h.start),
             run_peak_rss_mib());
    train_rundir_note(h.rd, note_buf);
    if (!h.quiet) fprintf(stderr, "%s\n", note_buf);

    const char *outcome = "done";
    bool ok = r >= 0 && !interrupted;
    if (interrupted) {
        snprintf(err, sizeof err, "stopped by signal %d at %s epoch %d step %ld", (int)interrupted,
                 train_phase_name(s.phase), s.epoch, s.step);
        train_rundir_note(h.rd, err);
        fprintf(stderr, "distillery: %s; the run directory keeps what was done\n", err);
        outcome = "stopped";
    } else if (r < 0) {
        outcome = failure;
    } else if (stopped) {
        train_rundir_note(h.rd, "stopped by the script");
        outcome = "stopped by the script";
    }
    if (ok && train_save_models(t, here, why, sizeof why)) {
        fprintf(stderr, "distillery: %s\n", why);
        ok = false;
        outcome = failure;
    }
    int charts = 0;
    if (o->c.png && plot_run(here, NULL, o->c.png_w, o->c.png_h, &charts, err, sizeof err)) {
        /* the charts are a convenience: the run itself stands */
        fprintf(stderr, "distillery: %s\n", err);
        train_rundir_note(h.rd, err);
    } else if (charts) {
        train_rundir_note(h.rd, "charts written: loss.png, accuracy.png");
    }
    snprintf(failure, sizeof failure, "failed: %s", why);
    if (sc && script_on_done(sc, &s, outcome, here, err, sizeof err)) {
        fprintf(stderr, "distillery: %s\n", err);
        train_rundir_note(h.rd, err);
        snprintf(failure, sizeof failure, "failed: %s", err);
        ok = false;
        outcome = failure;
    }
    int closed = train_rundir_close(h.rd, &s, outcome, seconds_since(&h.start), err, sizeof err);
    h.rd = NULL;
    if (closed) fprintf(stderr, "distillery: %s\n", err);
    if (ok && closed == 0) {
        run_print_summary(&s, here);
        status = 0;
    } else {
        status = interrupted ? 130 : 1;
    }
    if (final) *final = s;
out:
    if (sc) script_set_print(sc, NULL, NULL);
    if (h.rd) train_rundir_close(h.rd, NULL, "failed", 0, err, sizeof err);
    train_free(t);
    data_free(&trainset);
    data_free(&testset);
    return status;
}

/* --- sweeps -------------------------------------------------------------------------------- */

typedef struct sweep_row {
    char label[128];
    double T, alpha;
    int status;
    train_state s;
} sweep_row;

static void mean_sd(const double *v, int n, double *mean, double *sd)
{
    double m = 0, q = 0;
    for (int i = 0; i < n; i++) m += v[i];
    m /= n;
    for (int i = 0; i < n; i++) q += (v[i] - m) * (v[i] - m);
    *mean = m;
    *sd = n > 1 ? sqrt(q / (n - 1)) : 0.0;
}

/* One line per (T, alpha) setting: the runs that share it differ only in their seed. */
static void sweep_table(FILE *f, const sweep_row *rows, int n, bool csv)
{
    if (csv)
        fprintf(f, "T,alpha,seeds,student_final,student_final_sd,student_best,student_best_sd,"
                   "baseline_final,baseline_final_sd,baseline_best,baseline_best_sd,gain,gain_sd\n");
    else
        fprintf(f, "%8s %6s %5s  %-15s %-15s %-15s %-15s %-15s\n", "T", "alpha", "seeds",
                "student final", "student best", "baseline final", "baseline best", "gain (points)");
    bool *done = calloc((size_t)n, sizeof *done);
    double *v[5];
    for (int k = 0; k < 5; k++) v[k] = calloc((size_t)n, sizeof(double));
    for (int i = 0; i < n && done && v[4]; i++) {
        if (done[i]) continue;
        int m = 0;
        for (int j = i; j < n; j++) {
            if (done[j] || rows[j].T != rows[i].T || rows[j].alpha != rows[i].alpha) continue;
            done[j] = true;
            if (rows[j].status != 0) continue;
            const train_state *s = &rows[j].s;
            v[0][m] = 100 * s->eval[TRAIN_STUDENT].acc;
            v[1][m] = 100 * s->best[TRAIN_STUDENT].acc;
            bool base = s->eval[TRAIN_BASELINE].n > 0; /* a sweep may run without one */
            v[2][m] = base ? 100 * s->eval[TRAIN_BASELINE].acc : NAN;
            v[3][m] = base ? 100 * s->best[TRAIN_BASELINE].acc : NAN;
            v[4][m] = v[0][m] - v[2][m];
            m++;
        }
        double mean[5] = {0}, sd[5] = {0};
        for (int k = 0; k < 5 && m; k++) mean_sd(v[k], m, &mean[k], &sd[k]);
        if (csv) {
            fprintf(f, "%g,%g,%d", rows[i].T, rows[i].alpha, m);
            for (int k = 0; k < 5; k++)
                if (isnan(mean[k])) fprintf(f, ",,");
                else fprintf(f, ",%.4f,%.4f", mean[k], sd[k]);
            fputc('\n', f);
        } else {
            fprintf(f, "%8g %6g %5d ", rows[i].T, rows[i].alpha, m);
            for (int k = 0; k < 5; k++)
                if (isnan(mean[k])) fprintf(f, " %-15s", "n/a");
                else fprintf(f, " %6.2f +- %-5.2f", mean[k], sd[k]);
            fputc('\n', f);
        }
    }
    for (int k = 0; k < 5; k++) free(v[k]);
    free(done);
}

int run_sweep(const train_settings *base, script *sc)
{
    char err[1024], root[TRAIN_PATH], stamp[32], path[TRAIN_PATH + 32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    if (snprintf(root, sizeof root, "%s/%s-sweep-%s", base->c.run_root, base->c.name, stamp) >=
        (int)sizeof root - 16) {
        fprintf(stderr, "distillery: %s: path too long for a sweep\n", base->c.run_root);
        return 1;
    }
    if (train_make_dirs(root, err, sizeof err)) {
        fprintf(stderr, "distillery: %s\n", err);
        return 1;
    }
    int n = script_sweep_size(sc), worst = 0;
    sweep_row *rows = calloc((size_t)n, sizeof *rows);
    if (!rows) return fprintf(stderr, "distillery: out of memory\n"), 1;
    fprintf(stderr, "distillery: sweep of %d runs into %s\n", n, root);
    for (int i = 0; i < n && !interrupted; i++) {
        train_settings o = *base;
        sweep_row *r = &rows[i];
        if (script_sweep_apply(sc, i, &o, r->label, sizeof r->label, err, sizeof err) ||
            train_config_check(&o.c, err, sizeof err)) {
            fprintf(stderr, "distillery: sweep run %d: %s\n", i + 1, err);
            r->status = 2;
            worst = 2;
            continue;
        }
        r->T = o.c.T;
        r->alpha = o.c.alpha;
        snprintf(o.c.run_root, sizeof o.c.run_root, "%s", root);
        if (snprintf(o.c.run_dir, sizeof o.c.run_dir, "%s/run-%03d", root, i + 1) >= TRAIN_PATH) continue;
        snprintf(o.c.name, sizeof o.c.name, "%s", r->label);
        fprintf(stderr, "distillery: sweep run %d/%d: %s\n", i + 1, n, r->label);
        r->status = run_headless(&o, sc, &r->s, NULL, 0);
        if (r->status > worst) worst = r->status;
    }
    snprintf(path, sizeof path, "%s/sweep.csv", root);
    FILE *f = fopen(path, "w");
    if (f) {
        sweep_table(f, rows, n, true);
        if (fclose(f) != 0) f = NULL;
    }
    if (!f) {
        fprintf(stderr, "distillery: %s: cannot write\n", path);
        worst = worst ? worst : 1;
    }
    printf("sweep: %s (accuracy %%, mean +- sd over seeds)\n", path);
    sweep_table(stdout, rows, n, false);
    fflush(stdout);
    free(rows);
    return interrupted ? 130 : worst;
}

/* distillery: the command line. Parses flags into a train_config, loads the data, and runs the
 * experiment headless with progress on stderr; the run directory keeps the record.
 * One table of options drives both the parsing and --help, so they cannot drift apart. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "distillery/data.h"
#include "distillery/nn_gemm.h"
#include "distillery/train.h"
#include "distillery/train_rundir.h"

typedef struct options {
    train_config c;
    bool headless, teacher_given, student_given, data_given, help, version;
    bool lr_given, teacher_lr_given;
} options;

typedef int (*opt_setter)(options *o, const char *v, char *err, size_t errlen);

typedef struct opt {
    const char *name, *arg; /* arg NULL: a switch without value */
    opt_setter set;
    const char *help;
} opt;

/* --- value parsers ------------------------------------------------------------------------- */

static int parse_float(const char *v, float *out, const char *flag, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(d))
        return snprintf(err, errlen, "--%s: expected a number, found '%s'", flag, v), -1;
    *out = (float)d;
    return 0;
}

static int parse_int(const char *v, long lo, long hi, long *out, const char *flag, char *err,
                     size_t errlen)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (end == v || *end || errno || n < lo || n > hi)
        return snprintf(err, errlen, "--%s: expected a whole number in %ld..%ld, found '%s'", flag,
                        lo, hi, v), -1;
    *out = n;
    return 0;
}

#define FLOAT_SETTER(fn, field, flag)                                                             \
    static int fn(options *o, const char *v, char *err, size_t errlen)                          \
    {                                                                                             \
        return parse_float(v, &o->c.field, flag, err, errlen);                                    \
    }
#define INT_SETTER(fn, field, flag, lo, hi)                                                       \
    static int fn(options *o, const char *v, char *err, size_t errlen)                          \
    {                                                                                             \
        long n;                                                                                   \
        if (parse_int(v, lo, hi, &n, flag, err, errlen)) return -1;                               \
        o->c.field = (int)n;                                                                      \
        return 0;                                                                                 \
    }
#define STRING_SETTER(fn, field, flag)                                                            \
    static int fn(options *o, const char *v, char *err, size_t errlen)                          \
    {                                                                                             \
        if (!*v || strlen(v) >= sizeof o->c.field)                                                \
            return snprintf(err, errlen, "--%s: expected a value of 1 to %zu characters", flag,   \
                            sizeof o->c.field - 1), -1;                                           \
        snprintf(o->c.field, sizeof o->c.field, "%s", v);                                         \
        return 0;                                                                                 \
    }

FLOAT_SETTER(set_T, T, "T")
FLOAT_SETTER(set_alpha, alpha, "alpha")
FLOAT_SETTER(set_wd, optim.weight_decay, "weight-decay")
FLOAT_SETTER(set_momentum, optim.momentum, "momentum")
FLOAT_SETTER(set_tdropout, teacher_dropout, "teacher-dropout")
FLOAT_SETTER(set_sdropout, student_dropout, "student-dropout")
INT_SETTER(set_epochs, epochs, "epochs", 1, 100000)
INT_SETTER(set_tepochs, teacher_epochs, "teacher-epochs", 0, 100000)
INT_SETTER(set_batch, batch, "batch", 1, 65536)
INT_SETTER(set_threads, threads, "threads", 1, 256)
INT_SETTER(set_log_every, log_every, "log-every", 1, 1000000)
INT_SETTER(set_synth_train, synth_train, "synthetic-train", 1, 1000000)
INT_SETTER(set_synth_test, synth_test, "synthetic-test", 1, 1000000)
STRING_SETTER(set_name, name, "name")
STRING_SETTER(set_omit, omit, "omit")
STRING_SETTER(set_run_dir, run_dir, "run-dir")
STRING_SETTER(set_runs, run_root, "runs")
STRING_SETTER(set_load_teacher, teacher_load, "load-teacher")
STRING_SETTER(set_cache_dir, cache_dir, "cache-dir")

static int set_lr(options *o, const char *v, char *err, size_t errlen)
{
    o->lr_given = true;
    return parse_float(v, &o->c.optim.lr, "lr", err, errlen);
}

static int set_teacher_lr(options *o, const char *v, char *err, size_t errlen)
{
    o->teacher_lr_given = true;
    return parse_float(v, &o->c.teacher_lr, "teacher-lr", err, errlen);
}

static int set_data(options *o, const char *v, char *err, size_t errlen)
{
    o->data_given = true;
    if (!strcmp(v, "fashion-mnist")) o->c.data = TRAIN_DATA_FASHION;
    else if (!strcmp(v, "synthetic")) o->c.data = TRAIN_DATA_SYNTHETIC;
    else {
        if (!*v || strlen(v) >= sizeof o->c.data_dir)
            return snprintf(err, errlen, "--data: expected fashion-mnist, synthetic or a folder"), -1;
        o->c.data = TRAIN_DATA_DIR;
        snprintf(o->c.data_dir, sizeof o->c.data_dir, "%s", v);
    }
    return 0;
}

static int set_model(int *w, int *nw, const char *v, const char *flag, char *err, size_t errlen)
{
    char e[256];
    int n = nn_parse_widths(v, w, NN_MAX_LAYERS + 1, e, sizeof e);
    if (n < 0) return snprintf(err, errlen, "--%s: %s", flag, e), -1;
    *nw = n;
    return 0;
}

static int set_teacher(options *o, const char *v, char *err, size_t errlen)
{
    o->teacher_given = true;
    return set_model(o->c.teacher, &o->c.nteacher, v, "teacher", err, errlen);
}

static int set_student(options *o, const char *v, char *err, size_t errlen)
{
    o->student_given = true;
    return set_model(o->c.student, &o->c.nstudent, v, "student", err, errlen);
}

static int set_optim(options *o, const char *v, char *err, size_t errlen)
{
    nn_optim_kind k;
    if (!strcmp(v, "adam")) k = NN_OPTIM_ADAM;
    else if (!strcmp(v, "sgd")) k = NN_OPTIM_SGD;
    else return snprintf(err, errlen, "--optim: expected adam or sgd, found '%s'", v), -1;
    o->c.optim.kind = k;
    return 0;
}

static int set_seed(options *o, const char *v, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long long s = strtoull(v, &end, 10);
    if (end == v || *end || errno || *v == '-')
        return snprintf(err, errlen, "--seed: expected a whole number >= 0, found '%s'", v), -1;
    o->c.seed = s;
    return 0;
}

static int set_transfer(options *o, const char *v, char *err, size_t errlen)
{
    char e[256];
    if (data_parse_transfer(v, &o->c.transfer, e, sizeof e))
        return snprintf(err, errlen, "--transfer: %s", e), -1;
    return 0;
}

static int set_labeled(options *o, const char *v, char *err, size_t errlen)
{
    long n;
    if (parse_int(v, 0, 100000000, &n, "labeled", err, errlen)) return -1;
    o->c.transfer.labeled = n;
    return 0;
}

static int set_yesno(bool *b, const char *v, const char *flag, char *err, size_t errlen)
{
    if (!v || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "true"))
        *b = true;
    else if (!strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "false"))
        *b = false;
    else return snprintf(err, errlen, "--%s: expected yes or no, found '%s'", flag, v), -1;
    return 0;
}

static int set_baseline(options *o, const char *v, char *err, size_t errlen)
{
    return set_yesno(&o->c.baseline, v, "baseline", err, errlen);
}

static int set_no_baseline(options *o, const char *v, char *err, size_t errlen)
{
    o->c.baseline = false;
    return 0;
}

static int set_no_cache(options *o, const char *v, char *err, size_t errlen)
{
    o->c.no_cache = true;
    return 0;
}

static int set_quiet(options *o, const char *v, char *err, size_t errlen)
{
    o->c.quiet = true;
    return 0;
}

static int set_headless(options *o, const char *v, char *err, size_t errlen)
{
    o->headless = true;
    return 0;
}

static int set_help(options *o, const char *v, char *err, size_t errlen)
{
    o->help = true;
    return 0;
}

static int set_version(options *o, const char *v, char *err, size_t errlen)
{
    o->version = true;
    return 0;
}

/* The defaults in brackets are train_config_defaults()'s; tests/test_cli.sh holds them together. */
static const opt options_table[] = {
    {"headless", NULL, set_headless, "run without the screen, progress on stderr"},
    {"data", "SET", set_data, "fashion-mnist, synthetic, or an MNIST-format folder [fashion-mnist]"},
    {"teacher", "WIDTHS", set_teacher, "teacher widths [784-1200-1200-10]"},
    {"student", "WIDTHS", set_student, "student widths [784-32-10]"},
    {"T", "X", set_T, "distillation temperature, > 0 [2]"},
    {"alpha", "X", set_alpha, "weight of the soft (teacher) term, in [0, 1] [0.7]"},
    {"epochs", "N", set_epochs, "student epochs over the transfer set [200]"},
    {"teacher-epochs", "N", set_tepochs, "teacher epochs over the training set [10]"},
    {"batch", "N", set_batch, "minibatch size [128]"},
    {"lr", "X", set_lr, "student and baseline learning rate [adam 0.001, sgd 0.05]"},
    {"teacher-lr", "X", set_teacher_lr, "teacher learning rate [adam 0.0005, sgd 0.025]"},
    {"optim", "NAME", set_optim, "adam (AdamW) or sgd (with momentum) [adam]"},
    {"momentum", "X", set_momentum, "SGD momentum [0.9]"},
    {"weight-decay", "X", set_wd, "weight decay (decoupled for adam) [0]"},
    {"teacher-dropout", "P", set_tdropout, "dropout after the teacher's hidden layers [0.3]"},
    {"student-dropout", "P", set_sdropout, "dropout after the student's hidden layers [0]"},
    {"seed", "N", set_seed, "seed of every random choice [1]"},
    {"transfer", "F|N", set_transfer, "student's transfer set: a fraction (0.05, 5%, 100%) or a count [1%]"},
    {"omit", "CLASSES", set_omit, "classes left out of the transfer set, e.g. 3 or Shirt,3 [none]"},
    {"labeled", "N", set_labeled, "samples of the transfer set that keep their hard label [all]"},
    {"baseline", "[yes|no]", set_baseline, "train a student from hard labels alongside [yes]"},
    {"no-baseline", NULL, set_no_baseline, "same as --baseline=no"},
    {"load-teacher", "FILE", set_load_teacher, "start from a teacher checkpoint instead of training"},
    {"cache-dir", "DIR", set_cache_dir, "where trained teachers are kept [~/.cache/distillery]"},
    {"no-cache", NULL, set_no_cache, "neither reuse nor keep a cached teacher"},
    {"threads", "N", set_threads, "threads inside each matrix product [cores, at most 2]"},
    {"name", "NAME", set_name, "experiment name, used in the run directory's name [default]"},
    {"runs", "DIR", set_runs, "folder that run directories are created in [runs]"},
    {"run-dir", "DIR", set_run_dir, "exact run directory [RUNS/NAME-YYYYmmdd-HHMMSS]"},
    {"log-every", "N", set_log_every, "steps between rows of metrics.csv [10]"},
    {"synthetic-train", "N", set_synth_train, "samples in the synthetic training set [12000]"},
    {"synthetic-test", "N", set_synth_test, "samples in the synthetic test set [2000]"},
    {"quiet", NULL, set_quiet, "no progress, only errors and the final line"},
    {"help", NULL, set_help, "show this help and exit"},
    {"version", NULL, set_version, "show the version and exit"},
};
#define NOPTIONS (sizeof options_table / sizeof options_table[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: distillery [--headless] [OPTION...]\n\n"
               "Train a teacher network and distil it into a smaller student:\n"
               "  L = (1 - alpha) * CE + alpha * T^2 * KL(teacher@T || student@T)\n\n"
               "Options (default in brackets; --opt VALUE and --opt=VALUE both work):\n");
    for (size_t i = 0; i < NOPTIONS; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", options_table[i].name,
                 options_table[i].arg ? " " : "", options_table[i].arg ? options_table[i].arg : "");
        fprintf(f, "  %-26s %s\n", left, options_table[i].help);
    }
    fprintf(f, "\nEach run writes runs/NAME-YYYYmmdd-HHMMSS/ with config.json, metrics.csv,\n"
               "metrics.jsonl, events.log, summary.json and the models' checkpoints.\n"
               "Exit status: 0 done, 1 the run failed, 2 bad usage, 130 interrupted.\n");
}

static int parse_args(options *o, int argc, char **argv, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || !a[2])
            return snprintf(err, errlen, "unexpected argument '%s' (see --help)", a), -1;
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        const opt *op = NULL;
        for (size_t k = 0; k < NOPTIONS; k++)
            if (strlen(options_table[k].name) == len && !strncmp(options_table[k].name, a + 2, len))
                op = &options_table[k];
        if (!op) return snprintf(err, errlen, "unknown option '%.*s' (see --help)", (int)len + 2, a), -1;
        const char *v = eq ? eq + 1 : NULL;
        bool optional = op->arg && op->arg[0] == '[';
        if (op->arg && !v && !optional) {
            if (i + 1 >= argc) return snprintf(err, errlen, "--%s needs a value (%s)", op->name, op->arg), -1;
            v = argv[++i];
        } else if (optional && !v && i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
            v = argv[++i]; /* "--baseline no" as well as "--baseline=no" */
        }
        if (!op->arg && v) return snprintf(err, errlen, "--%s takes no value", op->name), -1;
        if (op->set(o, v, err, errlen)) return -1;
    }
    return 0;
}

/* --- the headless run ---------------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

typedef struct headless {
    train_rundir *rd;
    train *t;
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

static int load_data(options *o, data_set *trainset, data_set *testset, char *err, size_t errlen)
{
    train_config *c = &o->c;
    if (c->data == TRAIN_DATA_SYNTHETIC) {
        data_synth_config sc = data_synth_defaults();
        sc.ntrain = c->synth_train;
        sc.ntest = c->synth_test;
        sc.seed = c->seed;
        return data_synthetic(trainset, testset, &sc, err, errlen);
    }
    if (c->data == TRAIN_DATA_DIR) return data_load_dir(trainset, testset, c->data_dir, err, errlen);
    if (data_fashion_mnist(trainset, testset, NULL, err, errlen) == 0) return 0;
    if (o->data_given) return -1;
    /* the default experiment still runs where Fashion-MNIST is not installed, and says so */
    if (!c->quiet)
        fprintf(stderr, "distillery: %s\ndistillery: using the built-in synthetic set instead\n", err);
    c->data = TRAIN_DATA_SYNTHETIC;
    return load_data(o, trainset, testset, err, errlen);
}

/* peak resident memory of this process so far, in MiB */
static double peak_rss_mib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss / 1024.0 : 0.0;
}

static void print_summary(const train_state *s, const char *dir)
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

static int run_headless(options *o)
{
    char err[1024];
    data_set trainset = {0}, testset = {0};
    int status = 1;
    train *t = NULL;
    headless h = {0};
    h.quiet = o->c.quiet;
    h.tty = isatty(STDERR_FILENO);

    if (load_data(o, &trainset, &testset, err, sizeof err) ||
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
    if (!h.quiet) {
        train_state s;
        train_get_state(t, &s);
        fprintf(stderr, "distillery %s: %s, %d train / %d test samples, transfer set %d (%d labelled)\n"
                "run directory: %s\n", PACKAGE_VERSION, trainset.name, trainset.n, testset.n,
                s.transfer_n, s.transfer_labeled, train_rundir_path(h.rd));
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    clock_gettime(CLOCK_MONOTONIC, &h.start);
    h.last_print = h.start;

    int r;
    train_state s;
    while ((r = train_step(t)) == 1 && !interrupted) {
        train_get_state(t, &s);
        progress(&h, &s);
    }
    train_get_state(t, &s);
    if (h.tty && !h.quiet) fputc('\n', stderr);
    const char *outcome = r == 0 ? "done" : interrupted ? "stopped" : "failed";
    char note[128];
    snprintf(note, sizeof note, "%.1f s, peak memory %.0f MiB", seconds_since(&h.start), peak_rss_mib());
    train_rundir_note(h.rd, note);
    if (!h.quiet) fprintf(stderr, "%s\n", note);
    if (interrupted) {
        snprintf(err, sizeof err, "stopped by signal %d at %s epoch %d step %ld", (int)interrupted,
                 train_phase_name(s.phase), s.epoch, s.step);
        train_rundir_note(h.rd, err);
        fprintf(stderr, "distillery: %s; the run directory keeps what was done\n", err);
    }
    if (r == 0 && train_save_models(t, train_rundir_path(h.rd), err, sizeof err))
        fprintf(stderr, "distillery: %s\n", err), r = -1, outcome = "failed";
    char failure[1100];
    snprintf(failure, sizeof failure, "failed: %s", r < 0 && !interrupted ? train_error(t) : err);
    char dir[TRAIN_PATH];
    snprintf(dir, sizeof dir, "%s", train_rundir_path(h.rd));
    int closed = train_rundir_close(h.rd, &s, r < 0 && !interrupted ? failure : outcome,
                                    seconds_since(&h.start), err, sizeof err);
    h.rd = NULL;
    if (closed) fprintf(stderr, "distillery: %s\n", err);
    if (r == 0 && closed == 0) {
        print_summary(&s, dir);
        status = 0;
    } else {
        status = interrupted ? 130 : 1;
    }
out:
    if (h.rd) train_rundir_close(h.rd, NULL, "failed", 0, err, sizeof err);
    train_free(t);
    data_free(&trainset);
    data_free(&testset);
    return status;
}

int main(int argc, char **argv)
{
    options o = {0};
    char err[1024];
    o.c = train_config_defaults();
    if (parse_args(&o, argc, argv, err, sizeof err)) {
        fprintf(stderr, "distillery: %s\n", err);
        return 2;
    }
    if (o.help) {
        usage(stdout);
        return 0;
    }
    if (o.version) {
        printf("distillery %s\n", PACKAGE_VERSION);
        return 0;
    }
    /* an unset learning rate follows the optimizer's default */
    if (!o.lr_given) o.c.optim.lr = nn_optim_defaults(o.c.optim.kind).lr;
    if (!o.teacher_lr_given) o.c.teacher_lr = train_default_teacher_lr(o.c.optim.kind);
    if (train_config_check(&o.c, err, sizeof err)) {
        fprintf(stderr, "distillery: %s\n", err);
        return 2;
    }
    if (o.c.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o.c.threads = n >= 2 ? 2 : 1;
    }
    nn_set_threads(o.c.threads);
    /* Until the screen exists every run is headless; --headless is accepted already. */
    return run_headless(&o);
}

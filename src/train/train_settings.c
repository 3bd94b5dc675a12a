/* train_settings: the text form of an experiment's settings. One table names every setting, the
 * argument it takes, its help line and how a string sets it; the command line's flags, --set
 * key=value and the flat fields of a Lua experiment all go through it, so they take the same
 * values with the same defaults and the same error messages. */
#include "distillery/train_settings.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    static int fn(train_settings *o, const char *v, char *err, size_t errlen)                          \
    {                                                                                             \
        return parse_float(v, &o->c.field, flag, err, errlen);                                    \
    }
#define INT_SETTER(fn, field, flag, lo, hi)                                                       \
    static int fn(train_settings *o, const char *v, char *err, size_t errlen)                          \
    {                                                                                             \
        long n;                                                                                   \
        if (parse_int(v, lo, hi, &n, flag, err, errlen)) return -1;                               \
        o->c.field = (int)n;                                                                      \
        return 0;                                                                                 \
    }
#define STRING_SETTER(fn, field, flag)                                                            \
    static int fn(train_settings *o, const char *v, char *err, size_t errlen)                          \
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

static int set_lr(train_settings *o, const char *v, char *err, size_t errlen)
{
    o->lr_given = true;
    return parse_float(v, &o->c.optim.lr, "lr", err, errlen);
}

static int set_teacher_lr(train_settings *o, const char *v, char *err, size_t errlen)
{
    o->teacher_lr_given = true;
    return parse_float(v, &o->c.teacher_lr, "teacher-lr", err, errlen);
}

static int set_data(train_settings *o, const char *v, char *err, size_t errlen)
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

static int set_teacher(train_settings *o, const char *v, char *err, size_t errlen)
{
    o->teacher_given = true;
    return set_model(o->c.teacher, &o->c.nteacher, v, "teacher", err, errlen);
}

static int set_student(train_settings *o, const char *v, char *err, size_t errlen)
{
    o->student_given = true;
    return set_model(o->c.student, &o->c.nstudent, v, "student", err, errlen);
}

static int set_optim(train_settings *o, const char *v, char *err, size_t errlen)
{
    nn_optim_kind k;
    if (!strcmp(v, "adam")) k = NN_OPTIM_ADAM;
    else if (!strcmp(v, "sgd")) k = NN_OPTIM_SGD;
    else return snprintf(err, errlen, "--optim: expected adam or sgd, found '%s'", v), -1;
    o->c.optim.kind = k;
    return 0;
}

static int parse_seed(const char *v, uint64_t *out, const char *flag, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long long s = strtoull(v, &end, 10);
    if (end == v || *end || errno || *v == '-')
        return snprintf(err, errlen, "--%s: expected a whole number >= 0, found '%s'", flag, v), -1;
    *out = s;
    return 0;
}

static int set_seed(train_settings *o, const char *v, char *err, size_t errlen)
{
    return parse_seed(v, &o->c.seed, "seed", err, errlen);
}

static int set_transfer(train_settings *o, const char *v, char *err, size_t errlen)
{
    char e[256];
    if (data_parse_transfer(v, &o->c.transfer, e, sizeof e))
        return snprintf(err, errlen, "--transfer: %s", e), -1;
    return 0;
}

static int set_labeled(train_settings *o, const char *v, char *err, size_t errlen)
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

static int set_baseline(train_settings *o, const char *v, char *err, size_t errlen)
{
    return set_yesno(&o->c.baseline, v, "baseline", err, errlen);
}

static int set_no_baseline(train_settings *o, const char *v, char *err, size_t errlen)
{
    o->c.baseline = false;
    return 0;
}

static int set_no_cache(train_settings *o, const char *v, char *err, size_t errlen)
{
    o->c.no_cache = true;
    return 0;
}

static int set_quiet(train_settings *o, const char *v, char *err, size_t errlen)
{
    o->c.quiet = true;
    return 0;
}

static int set_strict(train_settings *o, const char *v, char *err, size_t errlen)
{
    o->c.data_strict = true;
    return 0;
}

static int set_png(train_settings *o, const char *v, char *err, size_t errlen)
{
    o->c.png = true;
    return 0;
}

static int set_png_size(train_settings *o, const char *v, char *err, size_t errlen)
{
    int w, h, used = 0;
    if (sscanf(v, "%dx%d%n", &w, &h, &used) != 2 || v[used] || w < 640 || h < 360 || w > 8192 || h > 8192)
        return snprintf(err, errlen, "--png-size: expected WIDTHxHEIGHT from 640x360 to 8192x8192, "
                        "found '%s'", v), -1;
    o->c.png_w = w;
    o->c.png_h = h;
    return 0;
}

static int set_teacher_seed(train_settings *o, const char *v, char *err, size_t errlen)
{
    o->teacher_seed_given = true;
    return parse_seed(v, &o->c.teacher_seed, "teacher-seed", err, errlen);
}

/* The defaults in brackets are train_config_defaults()'s; tests/test_cli.sh holds them together. */
static const train_option options[] = {
    {"data", "SET", set_data, "fashion-mnist, synthetic, an MNIST-format folder or a folder of PNGs (DIR/CLASS/*.png) [fashion-mnist]"},
    {"strict", NULL, set_strict, "a bad PNG in --data DIR fails the load instead of being skipped"},
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
    {"teacher-seed", "N", set_teacher_seed, "seed of the teacher's initial weights and batches [--seed]"},
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
    {"png", NULL, set_png, "write loss.png and accuracy.png into the run directory at the end"},
    {"png-size", "WxH", set_png_size, "size of the PNG charts in pixels [1600x900]"},
    {"quiet", NULL, set_quiet, "no progress, only errors and the final line"},
};

const train_option *train_option_table(size_t *n)
{
    *n = sizeof options / sizeof options[0];
    return options;
}

const train_option *train_option_find(const char *name, size_t len)
{
    for (size_t k = 0; k < sizeof options / sizeof options[0]; k++) {
        const char *o = options[k].name;
        size_t i = 0;
        /* teacher_epochs is --teacher-epochs: scripts and --set may write either */
        while (i < len && o[i] && (o[i] == name[i] || (o[i] == '-' && name[i] == '_'))) i++;
        if (i == len && !o[i]) return &options[k];
    }
    return NULL;
}

void train_settings_init(train_settings *s)
{
    memset(s, 0, sizeof *s);
    s->c = train_config_defaults();
}

int train_settings_apply(train_settings *s, const char *name, const char *value, char *err,
                         size_t errlen)
{
    const train_option *op = train_option_find(name, strlen(name));
    if (!op) return snprintf(err, errlen, "unknown setting '%s'", name), -1;
    if (!op->arg && value) {
        if (!strcmp(value, "no") || !strcmp(value, "false")) return 0; /* not switched on */
        if (strcmp(value, "yes") && strcmp(value, "true"))
            return snprintf(err, errlen, "%s is a switch: yes or no, found '%s'", name, value), -1;
        value = NULL;
    }
    if (op->arg && op->arg[0] != '[' && !value)
        return snprintf(err, errlen, "%s needs a value (%s)", name, op->arg), -1;
    return op->set(s, value, err, errlen);
}

void train_settings_finish(train_settings *s)
{
    /* unset learning rates follow the optimizer's defaults; the teacher's seed follows --seed */
    if (!s->lr_given) s->c.optim.lr = nn_optim_defaults(s->c.optim.kind).lr;
    if (!s->teacher_lr_given) s->c.teacher_lr = train_default_teacher_lr(s->c.optim.kind);
    if (!s->teacher_seed_given) s->c.teacher_seed = s->c.seed;
}

void train_settings_help(FILE *f)
{
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", options[i].name, options[i].arg ? " " : "",
                 options[i].arg ? options[i].arg : "");
        fprintf(f, "  %-26s %s\n", left, options[i].help);
    }
}

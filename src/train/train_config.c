/* train_config: defaults, checks, the JSON record of a configuration, and the teacher's cache key.
 * One place knows every field, so the command line, scripts and the run directory agree. */
#include "distillery/train_config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

float train_default_teacher_lr(nn_optim_kind kind)
{
    /* half the student's: the wide teacher keeps improving for longer at the lower rate */
    return 0.5f * nn_optim_defaults(kind).lr;
}

train_config train_config_defaults(void)
{
    train_config c;
    memset(&c, 0, sizeof c);
    snprintf(c.name, sizeof c.name, "default");
    c.data = TRAIN_DATA_FASHION;
    c.synth_train = 12000;
    c.synth_test = 2000;
    static const int teacher[] = {784, 1200, 1200, 10}, student[] = {784, 32, 10};
    memcpy(c.teacher, teacher, sizeof teacher);
    c.nteacher = 4;
    c.teacher_dropout = 0.3f;
    memcpy(c.student, student, sizeof student);
    c.nstudent = 3;
    c.student_dropout = 0.0f;
    c.T = 2.0f;
    c.alpha = 0.7f;
    c.epochs = 200;
    c.teacher_epochs = 10;
    c.batch = 128;
    c.optim = nn_optim_defaults(NN_OPTIM_ADAM);
    c.teacher_lr = train_default_teacher_lr(c.optim.kind);
    c.seed = 1;
    c.teacher_seed = 1;
    /* a small transfer set is where soft labels show what they carry (README, results) */
    c.transfer = data_transfer_defaults();
    c.transfer.fraction = 0.01;
    c.baseline = true;
    c.threads = 0; /* 0: as many as the machine has, up to 2 */
    snprintf(c.run_root, sizeof c.run_root, "runs");
    c.log_every = 10;
    c.png_w = 1600;
    c.png_h = 900;
    return c;
}

static bool finite_pos(float x)
{
    return isfinite(x) && x > 0.0f;
}

int train_config_check(const train_config *c, char *err, size_t errlen)
{
#define BAD(...) return snprintf(err, errlen, __VA_ARGS__), -1
    if (!finite_pos(c->T)) BAD("T must be a number > 0, got %g", c->T);
    if (!(c->alpha >= 0.0f && c->alpha <= 1.0f)) BAD("alpha must be in [0, 1], got %g", c->alpha);
    if (!finite_pos(c->optim.lr)) BAD("lr must be a number > 0, got %g", c->optim.lr);
    if (!finite_pos(c->teacher_lr)) BAD("teacher lr must be a number > 0, got %g", c->teacher_lr);
    if (c->epochs < 1 || c->epochs > 100000) BAD("epochs must be in 1..100000, got %d", c->epochs);
    if (c->teacher_epochs < 0 || c->teacher_epochs > 100000)
        BAD("teacher epochs must be in 0..100000, got %d", c->teacher_epochs);
    if (c->teacher_epochs == 0 && !c->teacher_load[0])
        BAD("teacher epochs is 0 but no teacher checkpoint is given to load");
    if (c->batch < 1 || c->batch > 65536) BAD("batch must be in 1..65536, got %d", c->batch);
    if (c->threads < 0 || c->threads > 256) BAD("threads must be in 0..256, got %d", c->threads);
    if (c->log_every < 1) BAD("log-every must be at least 1, got %d", c->log_every);
    if (c->png_w < 640 || c->png_h < 360 || c->png_w > 8192 || c->png_h > 8192)
        BAD("png-size must be from 640x360 to 8192x8192, got %dx%d", c->png_w, c->png_h);
    if (!(c->teacher_dropout >= 0.0f && c->teacher_dropout < 1.0f))
        BAD("teacher dropout must be in [0, 1), got %g", c->teacher_dropout);
    if (!(c->student_dropout >= 0.0f && c->student_dropout < 1.0f))
        BAD("student dropout must be in [0, 1), got %g", c->student_dropout);
    if (c->optim.kind == NN_OPTIM_SGD && !(c->optim.momentum >= 0.0f && c->optim.momentum < 1.0f))
        BAD("momentum must be in [0, 1), got %g", c->optim.momentum);
    if (!(c->optim.weight_decay >= 0.0f && isfinite(c->optim.weight_decay)))
        BAD("weight decay must be >= 0, got %g", c->optim.weight_decay);
    if (c->nteacher < 2 || c->nstudent < 2) BAD("teacher and student need at least two widths");
    if (c->data == TRAIN_DATA_SYNTHETIC && (c->synth_train < 1 || c->synth_test < 1))
        BAD("the synthetic set needs at least one train and one test sample");
    if (c->data == TRAIN_DATA_DIR && !c->data_dir[0]) BAD("--data DIR needs a folder");
    return 0;
#undef BAD
}

static int fit(int *w, int n, const char *who, bool given, const data_set *d, char *err,
               size_t errlen)
{
    if (!given) {
        w[0] = d->dim;
        w[n - 1] = d->nclasses;
        return 0;
    }
    if (w[0] != d->dim || w[n - 1] != d->nclasses) {
        snprintf(err, errlen,
                 "the %s model takes %d inputs and gives %d classes, but %s has %d-pixel images in "
                 "%d classes",
                 who, w[0], w[n - 1], d->name, d->dim, d->nclasses);
        return -1;
    }
    return 0;
}

int train_config_fit_data(train_config *c, const data_set *train, bool teacher_given,
                          bool student_given, char *err, size_t errlen)
{
    if (fit(c->teacher, c->nteacher, "teacher", teacher_given, train, err, errlen)) return -1;
    return fit(c->student, c->nstudent, "student", student_given, train, err, errlen);
}

/* A number in C-locale form whatever LC_NUMERIC says: ncursesw needs setlocale(), and a decimal comma would break
 * both the CSV and the JSON. %g never groups thousands, so any byte that is not part of a
 * C-locale number is the decimal point. */
void train_format_number(char *out, size_t len, double x)
{
    /* the shortest form that reads back as the same float: the numbers are float-accurate, and
     * "0.001" reads better than "0.00100000005" */
    char buf[64];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if ((float)strtod(buf, NULL) == (float)x) break;
    }
    size_t o = 0;
    bool point = false;
    for (const char *p = buf; *p && o + 1 < len; p++) {
        if (strchr("0123456789+-eE", *p)) {
            out[o++] = *p;
            point = false;
        } else if (!point) {
            out[o++] = '.';
            point = true;
        }
    }
    out[o] = '\0';
}

void train_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

static const char *data_kind_name(train_data_kind k)
{
    return k == TRAIN_DATA_FASHION ? "fashion-mnist" : k == TRAIN_DATA_SYNTHETIC ? "synthetic" : "dir";
}

/* a JSON member "key": number, the number in train_format_number's form */
static void json_number(FILE *f, const char *key, double x)
{
    char buf[64];
    train_format_number(buf, sizeof buf, x);
    fprintf(f, "  \"%s\": %s,\n", key, isfinite(x) ? buf : "null");
}

void train_config_write_json(const train_config *c, FILE *f)
{
    char teacher[128], student[128];
    nn_format_widths(c->teacher, c->nteacher, teacher, sizeof teacher);
    nn_format_widths(c->student, c->nstudent, student, sizeof student);
    fprintf(f, "{\n  \"name\": ");
    train_json_string(f, c->name);
    fprintf(f, ",\n  \"data\": \"%s\",\n  \"data_dir\": ", data_kind_name(c->data));
    train_json_string(f, c->data_dir);
    fprintf(f, ",\n  \"synth_train\": %d,\n  \"synth_test\": %d,\n", c->synth_train, c->synth_test);
    fprintf(f, "  \"teacher\": \"%s\",\n", teacher);
    json_number(f, "teacher_dropout", c->teacher_dropout);
    fprintf(f, "  \"student\": \"%s\",\n", student);
    json_number(f, "student_dropout", c->student_dropout);
    json_number(f, "T", c->T);
    json_number(f, "alpha", c->alpha);
    fprintf(f, "  \"epochs\": %d,\n  \"teacher_epochs\": %d,\n  \"batch\": %d,\n", c->epochs,
            c->teacher_epochs, c->batch);
    fprintf(f, "  \"optim\": \"%s\",\n", nn_optim_name(c->optim.kind));
    json_number(f, "lr", c->optim.lr);
    json_number(f, "teacher_lr", c->teacher_lr);
    json_number(f, "momentum", c->optim.momentum);
    json_number(f, "weight_decay", c->optim.weight_decay);
    fprintf(f, "  \"seed\": %llu,\n  \"teacher_seed\": %llu,\n", (unsigned long long)c->seed,
            (unsigned long long)c->teacher_seed);
    json_number(f, "transfer_fraction", c->transfer.fraction);
    fprintf(f, "  \"transfer_count\": %ld,\n  \"omit\": ", c->transfer.count);
    train_json_string(f, c->omit);
    fprintf(f, ",\n  \"labeled\": %ld,\n  \"baseline\": %s,\n  \"teacher_load\": ",
            c->transfer.labeled, c->baseline ? "true" : "false");
    train_json_string(f, c->teacher_load);
    fprintf(f, ",\n  \"threads\": %d,\n  \"log_every\": %d\n}\n", c->threads, c->log_every);
}

/* FNV-1a, fed field by field so padding bytes never enter the hash */
static void mix(uint64_t *h, const void *p, size_t n)
{
    *h = data_fnv1a(*h, p, n);
}

uint64_t train_teacher_key(const train_config *c, uint64_t data_hash)
{
    uint64_t h = 0xCBF29CE484222325ull;
    const uint32_t version = 1; /* bump when training changes what a key produces */
    mix(&h, &version, sizeof version);
    mix(&h, &data_hash, sizeof data_hash);
    mix(&h, &c->nteacher, sizeof c->nteacher);
    mix(&h, c->teacher, sizeof(int) * c->nteacher);
    mix(&h, &c->teacher_dropout, sizeof c->teacher_dropout);
    mix(&h, &c->teacher_seed, sizeof c->teacher_seed);
    mix(&h, &c->teacher_epochs, sizeof c->teacher_epochs);
    mix(&h, &c->batch, sizeof c->batch);
    mix(&h, &c->optim.kind, sizeof c->optim.kind);
    mix(&h, &c->teacher_lr, sizeof c->teacher_lr);
    mix(&h, &c->optim.momentum, sizeof c->optim.momentum);
    mix(&h, &c->optim.weight_decay, sizeof c->optim.weight_decay);
    mix(&h, &c->optim.beta1, sizeof c->optim.beta1);
    mix(&h, &c->optim.beta2, sizeof c->optim.beta2);
    mix(&h, &c->optim.eps, sizeof c->optim.eps);
    return h;
}

const char *train_cache_dir(const train_config *c, char *buf, size_t len)
{
    const char *e;
    if (c->cache_dir[0]) snprintf(buf, len, "%s", c->cache_dir);
    else if ((e = getenv("DISTILLERY_CACHE")) && *e) snprintf(buf, len, "%s", e);
    else if ((e = getenv("XDG_CACHE_HOME")) && *e) snprintf(buf, len, "%s/distillery", e);
    else if ((e = getenv("HOME")) && *e) snprintf(buf, len, "%s/.cache/distillery", e);
    else return NULL;
    return buf;
}

/* test_trainer: the trainer end to end on the built-in synthetic set. The phases come in order,
 * the teacher, student and baseline reach stated accuracies, a seed repeats a run bit for bit, the
 * teacher cache is reused, controls are checked and applied, and a diverging run stops with a
 * message instead of training on garbage. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "distillery/nn_gemm.h"
#include "distillery/train.h"
#include "distillery/train_checkpoint.h"
#include "tap.h"

/* Every number the trainer tells, in order, so two runs can be compared exactly. */
typedef struct record {
    double v[20000];
    int n;
    int phases[8], nphases;
    int evals[TRAIN_NMODELS];
    int errors, infos;
    char last_info[512], last_error[512];
} record;

static void put(record *r, double x)
{
    if (r->n < (int)(sizeof r->v / sizeof r->v[0])) r->v[r->n++] = x;
}

static void sink(void *ud, const train_event *ev)
{
    record *r = ud;
    switch (ev->kind) {
    case TRAIN_EV_PHASE:
        if (r->nphases < 8) r->phases[r->nphases++] = ev->phase;
        break;
    case TRAIN_EV_STEP:
        put(r, ev->metrics->step), put(r, ev->metrics->ce), put(r, ev->metrics->kl);
        put(r, ev->metrics->total);
        break;
    case TRAIN_EV_EVAL:
        r->evals[ev->eval->model]++;
        put(r, ev->eval->acc), put(r, ev->eval->loss);
        break;
    case TRAIN_EV_INFO:
        r->infos++;
        snprintf(r->last_info, sizeof r->last_info, "%s", ev->text);
        break;
    case TRAIN_EV_ERROR:
        r->errors++;
        snprintf(r->last_error, sizeof r->last_error, "%s", ev->text);
        break;
    }
}

static data_set train_set, test_set;
static char cache[256];

static train_config small_config(void)
{
    train_config c = train_config_defaults();
    c.data = TRAIN_DATA_SYNTHETIC;
    int teacher[] = {784, 256, 256, 10}, student[] = {784, 24, 10};
    memcpy(c.teacher, teacher, sizeof teacher);
    c.nteacher = 4;
    memcpy(c.student, student, sizeof student);
    c.nstudent = 3;
    c.teacher_epochs = 6;
    c.epochs = 6;
    c.T = 4.0f;
    c.transfer.fraction = 1.0;
    c.optim.lr = c.teacher_lr = 0.003f;
    c.no_cache = true;
    return c;
}

static int run(const train_config *c, record *r, train_state *s)
{
    char err[512];
    memset(r, 0, sizeof *r);
    train *t = train_new(c, &train_set, &test_set, sink, r, err, sizeof err);
    if (!t) {
        tap_diag("train_new: %s", err);
        return -2;
    }
    int st;
    while ((st = train_step(t)) == 1) {}
    train_get_state(t, s);
    train_free(t);
    return st;
}

static void test_end_to_end(void)
{
    train_config c = small_config();
    record *r = calloc(1, sizeof *r);
    train_state s;
    int st = run(&c, r, &s);
    tap_ok(st == 0, "a synthetic run finishes");
    tap_ok(r->nphases == 4 && r->phases[0] == TRAIN_PHASE_TEACHER &&
               r->phases[1] == TRAIN_PHASE_CACHE && r->phases[2] == TRAIN_PHASE_DISTIL &&
               r->phases[3] == TRAIN_PHASE_DONE,
           "phases come as teacher, cache, distil, done");
    tap_ok(r->evals[TRAIN_TEACHER] == 6 && r->evals[TRAIN_STUDENT] == 6 &&
               r->evals[TRAIN_BASELINE] == 6,
           "one evaluation per epoch of each model");
    tap_diag("teacher %.4f student %.4f baseline %.4f", s.eval[TRAIN_TEACHER].acc,
             s.eval[TRAIN_STUDENT].acc, s.eval[TRAIN_BASELINE].acc);
    tap_ok(s.eval[TRAIN_TEACHER].acc > 0.82, "teacher reaches 82%% on the synthetic set");
    tap_ok(s.eval[TRAIN_STUDENT].acc > 0.72, "distilled student reaches 72%%");
    tap_ok(s.eval[TRAIN_BASELINE].acc > 0.78, "baseline reaches 78%%");
    tap_ok(s.best[TRAIN_STUDENT].acc >= s.eval[TRAIN_STUDENT].acc, "best is at least the final");
    double sum = 0;
    for (int k = 0; k < 10; k++) sum += s.eval[TRAIN_STUDENT].class_acc[k];
    tap_close(sum / 10, s.eval[TRAIN_STUDENT].acc, 0.02, "per-class accuracies average to the accuracy");

    record *r2 = calloc(1, sizeof *r2);
    train_state s2;
    run(&c, r2, &s2);
    tap_ok(r->n == r2->n && r->n > 50 && memcmp(r->v, r2->v, sizeof(double) * r->n) == 0,
           "two runs with one seed tell identical numbers (%d values)", r->n);
    c.seed = 2;
    run(&c, r2, &s2);
    tap_ok(memcmp(r->v, r2->v, sizeof(double) * r->n) != 0, "another seed gives other numbers");
    free(r);
    free(r2);
}

static void test_transfer_and_labels(void)
{
    train_config c = small_config();
    c.teacher_epochs = 2;
    c.epochs = 2;
    c.transfer.count = 1000;
    c.transfer.labeled = 100;
    snprintf(c.omit, sizeof c.omit, "3");
    record *r = calloc(1, sizeof *r);
    train_state s;
    tap_ok(run(&c, r, &s) == 0, "a run with 1000 transfer samples, 100 labelled, class 3 omitted");
    tap_ok(s.transfer_n == 1000 && s.transfer_labeled == 100, "transfer set sizes are kept");
    tap_ok(s.distil_steps == 2 * 8, "distil steps follow the transfer set (%ld)", s.distil_steps);

    /* soft labels on unlabelled data: 100 labels and the teacher's view of 4000 samples beat
       100 labels alone, by far */
    train_config u = small_config();
    u.epochs = 8;
    u.transfer.labeled = 100;
    tap_ok(run(&u, r, &s) == 0, "a run with 100 labelled samples in 4000");
    tap_diag("100 labels: teacher %.4f student %.4f baseline %.4f", s.eval[TRAIN_TEACHER].acc,
             s.eval[TRAIN_STUDENT].acc, s.eval[TRAIN_BASELINE].acc);
    tap_ok(s.eval[TRAIN_STUDENT].acc > s.eval[TRAIN_BASELINE].acc + 0.10,
           "the distilled student beats the baseline by more than 10 points");

    c.transfer.labeled = 0;
    tap_ok(run(&c, r, &s) == 0 && r->evals[TRAIN_BASELINE] == 0, "no labels: the baseline is off");
    tap_ok(strstr(r->last_info, "baseline") != NULL || r->infos > 0, "and the run says so");
    free(r);
}

static void test_controls_and_failure(void)
{
    char err[512];
    train_config c = small_config();
    c.teacher_epochs = 1;
    record *r = calloc(1, sizeof *r);
    train *t = train_new(&c, &train_set, &test_set, sink, r, err, sizeof err);
    tap_ok(t != NULL, "trainer made");
    tap_ok(train_set_T(t, 0) == -1 && train_set_T(t, NAN) == -1 && train_set_T(t, -1) == -1,
           "T <= 0 or NaN is refused");
    tap_ok(train_set_alpha(t, 1.5f) == -1 && train_set_alpha(t, -0.1f) == -1, "alpha outside [0, 1] is refused");
    tap_ok(train_set_lr(t, 0) == -1 && train_set_lr(t, INFINITY) == -1, "lr <= 0 or infinite is refused");
    train_state s;
    while (train_get_state(t, &s), s.phase != TRAIN_PHASE_DISTIL) train_step(t);
    train_step(t);
    train_step(t);
    int infos = r->infos;
    tap_ok(train_set_T(t, 2.0f) == 0 && train_set_alpha(t, 0.25f) == 0 && r->infos == infos + 2,
           "a change of T and alpha is accepted and logged");
    train_step(t);
    train_get_state(t, &s);
    tap_ok(s.last[TRAIN_STUDENT].T == 2.0f && s.last[TRAIN_STUDENT].alpha == 0.25f,
           "and applied at the next step");
    tap_close(s.last[TRAIN_STUDENT].total,
              0.75 * s.last[TRAIN_STUDENT].ce + 0.25 * s.last[TRAIN_STUDENT].t2kl, 1e-9,
              "total = (1-alpha)*CE + alpha*T^2*KL");
    tap_close(s.last[TRAIN_STUDENT].t2kl, 4.0 * s.last[TRAIN_STUDENT].kl, 1e-9, "T^2*KL = 4*KL at T = 2");
    float logits[10];
    tap_ok(train_logits(t, TRAIN_TEACHER, &test_set, 5, logits) == 0 && isfinite(logits[0]),
           "a model's logits for one sample");
    tap_ok(train_logits(t, TRAIN_TEACHER, &test_set, test_set.n, logits) == -1, "out of range sample refused");
    tap_ok(train_set_lr(t, 1e30f) == 0, "a huge learning rate is accepted");
    int st;
    while ((st = train_step(t)) == 1) {}
    tap_ok(st == -1, "the diverging run stops with a failure");
    tap_ok(r->errors == 1 && (strstr(train_error(t), "NaN") || strstr(train_error(t), "infinite")),
           "with a message: %s", train_error(t));
    tap_ok(train_step(t) == -1, "and stays stopped");
    train_free(t);
    free(r);
}

static void test_teacher_cache(void)
{
    train_config c = small_config();
    c.teacher_epochs = 1;
    c.epochs = 1;
    c.no_cache = false;
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s/nested/cache", cache);
    record *r = calloc(1, sizeof *r);
    train_state s1, s2;
    tap_ok(run(&c, r, &s1) == 0 && !s1.teacher_cached, "first run trains the teacher");
    tap_ok(run(&c, r, &s2) == 0 && s2.teacher_cached, "second run reuses the cached teacher");
    tap_ok(s1.eval[TRAIN_TEACHER].acc == s2.eval[TRAIN_TEACHER].acc, "with the same accuracy");
    tap_ok(s1.eval[TRAIN_STUDENT].acc == s2.eval[TRAIN_STUDENT].acc, "and the same distilled student");
    c.teacher_lr *= 2;
    tap_ok(run(&c, r, &s2) == 0 && !s2.teacher_cached, "another teacher setting trains anew");

    /* a teacher checkpoint from a run, loaded by path */
    char err[512], dir[300], path[400];
    snprintf(dir, sizeof dir, "%s/models", cache);
    mkdir(dir, 0777);
    train *t = train_new(&c, &train_set, &test_set, NULL, NULL, err, sizeof err);
    while (train_step(t) == 1) {}
    tap_ok(train_save_models(t, dir, err, sizeof err) == 0, "models saved");
    train_free(t);
    c.no_cache = true;
    c.teacher_epochs = 0;
    snprintf(path, sizeof path, "%s/teacher.ckpt", dir);
    snprintf(c.teacher_load, sizeof c.teacher_load, "%s", path);
    tap_ok(run(&c, r, &s2) == 0 && s2.teacher_cached, "a run starts from a teacher checkpoint");
    int odd[] = {100, 10};
    nn_mlp *m = nn_mlp_new(odd, 2, 0.0f, 1, err, sizeof err);
    snprintf(path, sizeof path, "%s/odd.ckpt", dir);
    train_checkpoint_save(path, m, 0, err, sizeof err);
    nn_mlp_free(m);
    snprintf(c.teacher_load, sizeof c.teacher_load, "%s", path);
    tap_ok(train_new(&c, &train_set, &test_set, NULL, NULL, err, sizeof err) == NULL &&
               strstr(err, "100 inputs"),
           "a checkpoint of the wrong shape is refused: %s", err);
    snprintf(path, sizeof path, "%s/missing.ckpt", dir);
    snprintf(c.teacher_load, sizeof c.teacher_load, "%s", path);
    tap_ok(train_new(&c, &train_set, &test_set, NULL, NULL, err, sizeof err) == NULL &&
               strstr(err, "missing.ckpt"),
           "a missing checkpoint is an error naming it: %s", err);
    free(r);
}

int main(void)
{
    char err[512];
    nn_set_threads(1);
    data_synth_config sc = data_synth_defaults();
    sc.ntrain = 4000;
    sc.ntest = 1000;
    if (data_synthetic(&train_set, &test_set, &sc, err, sizeof err)) {
        tap_ok(0, "synthetic data: %s", err);
        return tap_done();
    }
    snprintf(cache, sizeof cache, "%s/distillery-trainer-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(cache)) return tap_ok(0, "mkdtemp"), tap_done();
    test_end_to_end();
    test_transfer_and_labels();
    test_controls_and_failure();
    test_teacher_cache();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
    if (system(cmd) != 0) tap_diag("could not remove %s", cache);
    data_free(&train_set);
    data_free(&test_set);
    return tap_done();
}

/* train_trainer: the state machine of a run, one minibatch per train_step().
 *
 *   teacher  train on the whole training set (or load a checkpoint / a cached teacher)
 *   cache    one forward pass of the teacher over the transfer set; logits kept, so T is free
 *   distil   the student learns from the cached logits; the baseline (same init, same batches)
 *            from hard labels only, in lockstep
 *   done
 *
 * Between epochs the models are evaluated on the test set, one chunk per step, so that a caller
 * polling keys between steps never waits long. Nothing here allocates after train_new. */
#include "distillery/train.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "distillery/nn_layers.h"
#include "distillery/nn_loss.h"
#include "distillery/nn_rng.h"
#include "distillery/train_checkpoint.h"
#include "distillery/train_rundir.h"

#define EVAL_CHUNK 256 /* test samples per evaluation step, and per caching step */

struct train {
    train_config c;
    const data_set *trainset, *testset;
    train_sink sink;
    void *ud;
    char err[512];
    bool started;
    char pending[TRAIN_PATH + 256]; /* an INFO from train_new, told at the first step */

    train_state st;
    int nclasses, dim;
    long pos; /* next sample of the current epoch */

    nn_mlp *model[TRAIN_NMODELS];
    nn_optim *opt[TRAIN_NMODELS];
    nn_rng rng[TRAIN_NMODELS]; /* dropout and shuffling of each model's stream */

    data_transfer tr;
    float *tlogits; /* (tr.n, C) teacher logits at T = 1, filled by the cache phase */
    int *perm;      /* (max(ntrain, tr.n)) this epoch's order */
    int *bperm;     /* (tr.nlabeled) the baseline's order when it sees fewer samples */
    long bpos;

    float *x, *xb;  /* (max_batch, dim) inputs of the student and of the baseline */
    int *idx, *y, *yb;
    float *grad;    /* (max_batch, C) */
    float *tbatch;  /* (max_batch, C) cached teacher logits of the batch */

    /* evaluation in progress: the models queued, the test position, the counts so far */
    bool queued[TRAIN_NMODELS];
    int epos;
    long correct[TRAIN_NMODELS], class_n[DATA_MAX_CLASSES];
    long class_correct[TRAIN_NMODELS][DATA_MAX_CLASSES];
    double loss_sum[TRAIN_NMODELS];

    uint64_t key;
    char cache_path[TRAIN_PATH + 64];
};

const char *train_phase_name(train_phase p)
{
    static const char *names[] = {"teacher", "cache", "distil", "done", "failed"};
    return (unsigned)p < 5 ? names[p] : "?";
}

const char *train_model_name(train_model m)
{
    static const char *names[] = {"teacher", "student", "baseline"};
    return (unsigned)m < TRAIN_NMODELS ? names[m] : "?";
}

static void emit(train *t, train_event_kind kind, const char *text, const train_metrics *m,
                 const train_eval *e)
{
    if (!t->sink) return;
    train_event ev = {kind, t->st.phase, text, m, e};
    t->sink(t->ud, &ev);
}

static void info(train *t, const char *fmt, ...)
{
    char buf[TRAIN_PATH + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    emit(t, TRAIN_EV_INFO, buf, NULL, NULL);
}

static int fail(train *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->err, sizeof t->err, fmt, ap);
    va_end(ap);
    t->st.phase = TRAIN_PHASE_FAILED;
    emit(t, TRAIN_EV_ERROR, t->err, NULL, NULL);
    return -1;
}

static void enter_phase(train *t, train_phase p)
{
    t->st.phase = p;
    t->st.epoch = 1;
    t->st.step = 0;
    t->st.samples = 0;
    t->pos = 0;
    if (p == TRAIN_PHASE_TEACHER) {
        t->st.epochs = t->c.teacher_epochs;
        t->st.steps_per_epoch = (t->trainset->n + t->c.batch - 1) / t->c.batch;
        for (int i = 0; i < t->trainset->n; i++) t->perm[i] = i;
        nn_rng_shuffle(&t->rng[TRAIN_TEACHER], t->perm, t->trainset->n);
    } else if (p == TRAIN_PHASE_CACHE) {
        t->st.epochs = 1;
        t->st.steps_per_epoch = (t->tr.n + EVAL_CHUNK - 1) / EVAL_CHUNK;
    } else if (p == TRAIN_PHASE_DISTIL) {
        t->st.epochs = t->c.epochs;
        t->st.steps_per_epoch = (t->tr.n + t->c.batch - 1) / t->c.batch;
        for (int i = 0; i < t->tr.n; i++) t->perm[i] = i;
        nn_rng_shuffle(&t->rng[TRAIN_STUDENT], t->perm, t->tr.n);
    } else {
        t->st.epoch = t->st.epochs;
    }
    emit(t, TRAIN_EV_PHASE, train_phase_name(p), NULL, NULL);
}

/* Load the teacher from c->teacher_load or the cache; 1 if loaded, 0 if it must be trained. */
static int load_teacher(train *t, int max_batch, char *err, size_t errlen)
{
    char e[600];
    uint64_t key = 0;
    if (t->c.teacher_load[0]) {
        nn_mlp *m = train_checkpoint_load(t->c.teacher_load, max_batch, &key, err, errlen);
        if (!m) return -1;
        const int *w = nn_mlp_widths(m);
        int nw = nn_mlp_nwidths(m);
        if (w[0] != t->dim || w[nw - 1] != t->nclasses) {
            snprintf(err, errlen, "%s: the teacher takes %d inputs and gives %d classes, but %s has "
                     "%d-pixel images in %d classes", t->c.teacher_load, w[0], w[nw - 1],
                     t->trainset->name, t->dim, t->nclasses);
            nn_mlp_free(m);
            return -1;
        }
        t->model[TRAIN_TEACHER] = m;
        snprintf(t->pending, sizeof t->pending, "teacher loaded from %s", t->c.teacher_load);
        return 1;
    }
    if (t->c.no_cache) return 0;
    char dir[TRAIN_PATH];
    if (!train_cache_dir(&t->c, dir, sizeof dir)) return 0;
    snprintf(t->cache_path, sizeof t->cache_path, "%s/teacher-%016llx.ckpt", dir,
             (unsigned long long)t->key);
    struct stat sb;
    if (stat(t->cache_path, &sb) != 0) return 0;
    nn_mlp *m = train_checkpoint_load(t->cache_path, max_batch, &key, e, sizeof e);
    if (!m || key != t->key) {
        snprintf(t->pending, sizeof t->pending, "cached teacher not usable, training anew: %s",
                 m ? "its key does not match" : e);
        nn_mlp_free(m);
        return 0;
    }
    t->model[TRAIN_TEACHER] = m;
    snprintf(t->pending, sizeof t->pending, "teacher reused from the cache: %s", t->cache_path);
    return 1;
}

train *train_new(const train_config *c, const data_set *trainset, const data_set *testset,
                 train_sink sink, void *ud, char *err, size_t errlen)
{
    if (train_config_check(c, err, errlen)) return NULL;
    if (trainset->dim != testset->dim || trainset->nclasses != testset->nclasses) {
        snprintf(err, errlen, "the train and test sets differ in image size or classes");
        return NULL;
    }
    train *t = calloc(1, sizeof *t);
    if (!t) return snprintf(err, errlen, "out of memory"), NULL;
    t->c = *c;
    t->trainset = trainset;
    t->testset = testset;
    t->sink = sink;
    t->ud = ud;
    t->dim = trainset->dim;
    t->nclasses = trainset->nclasses;
    t->st.T = c->T;
    t->st.alpha = c->alpha;
    t->st.lr = c->optim.lr;
    int C = t->nclasses, mb = c->batch > EVAL_CHUNK ? c->batch : EVAL_CHUNK;

    if (c->omit[0] && data_parse_classes(c->omit, trainset, &t->c.transfer.omit_mask, err, errlen)) goto fail;
    if (data_transfer_make(&t->tr, trainset, &t->c.transfer, c->seed, err, errlen)) goto fail;
    t->st.transfer_n = t->tr.n;
    t->st.transfer_labeled = t->tr.nlabeled;
    if (t->c.baseline && t->tr.nlabeled == 0) {
        t->c.baseline = false;
        snprintf(t->pending, sizeof t->pending, "no labelled samples: the baseline is off");
    }

    /* the teacher's stream follows its own seed, so a sweep over student seeds reuses one teacher */
    nn_rng_seed(&t->rng[TRAIN_TEACHER], c->teacher_seed * 3);
    for (int m = TRAIN_STUDENT; m < TRAIN_NMODELS; m++) nn_rng_seed(&t->rng[m], c->seed * 3 + (uint64_t)m);
    t->key = train_teacher_key(&t->c, data_hash(trainset));
    int loaded = load_teacher(t, mb, err, errlen);
    if (loaded < 0) goto fail;
    t->st.teacher_cached = loaded == 1;
    if (!loaded) {
        t->model[TRAIN_TEACHER] = nn_mlp_new(c->teacher, c->nteacher, c->teacher_dropout, mb, err,
                                            errlen);
        if (!t->model[TRAIN_TEACHER]) goto fail;
        nn_mlp_init(t->model[TRAIN_TEACHER], &t->rng[TRAIN_TEACHER]);
        nn_optim_config oc = c->optim;
        oc.lr = c->teacher_lr;
        t->opt[TRAIN_TEACHER] = nn_optim_new(&oc, nn_mlp_nparams(t->model[TRAIN_TEACHER]));
        if (!t->opt[TRAIN_TEACHER]) goto oom;
    }
    for (int m = TRAIN_STUDENT; m <= TRAIN_BASELINE; m++) {
        if (m == TRAIN_BASELINE && !t->c.baseline) break;
        t->model[m] = nn_mlp_new(c->student, c->nstudent, c->student_dropout, mb, err, errlen);
        if (!t->model[m]) goto fail;
        t->opt[m] = nn_optim_new(&c->optim, nn_mlp_nparams(t->model[m]));
        if (!t->opt[m]) goto oom;
    }
    /* the baseline starts from the very weights the student starts from */
    nn_mlp_init(t->model[TRAIN_STUDENT], &t->rng[TRAIN_STUDENT]);
    if (t->model[TRAIN_BASELINE])
        memcpy(nn_mlp_params(t->model[TRAIN_BASELINE]), nn_mlp_params(t->model[TRAIN_STUDENT]),
               sizeof(float) * nn_mlp_nparams(t->model[TRAIN_STUDENT]));

    size_t nperm = (size_t)(trainset->n > t->tr.n ? trainset->n : t->tr.n);
    t->tlogits = malloc(sizeof(float) * (size_t)t->tr.n * C);
    t->perm = malloc(sizeof(int) * nperm);
    t->bperm = malloc(sizeof(int) * ((size_t)t->tr.nlabeled + 1));
    t->x = malloc(sizeof(float) * (size_t)mb * t->dim);
    t->xb = malloc(sizeof(float) * (size_t)mb * t->dim);
    t->idx = malloc(sizeof(int) * (size_t)mb);
    t->y = malloc(sizeof(int) * (size_t)mb);
    t->yb = malloc(sizeof(int) * (size_t)mb);
    t->grad = malloc(sizeof(float) * (size_t)mb * C);
    t->tbatch = malloc(sizeof(float) * (size_t)mb * C);
    if (!t->tlogits || !t->perm || !t->bperm || !t->x || !t->xb || !t->idx || !t->y || !t->yb ||
        !t->grad || !t->tbatch)
        goto oom;
    for (int i = 0; i < t->tr.nlabeled; i++) t->bperm[i] = i;
    nn_rng_shuffle(&t->rng[TRAIN_BASELINE], t->bperm, t->tr.nlabeled);
    t->st.teacher_steps = loaded ? 0 : (long)c->teacher_epochs * ((trainset->n + c->batch - 1) / c->batch);
    t->st.distil_steps = (long)c->epochs * ((t->tr.n + c->batch - 1) / c->batch);
    t->st.phase = loaded ? TRAIN_PHASE_CACHE : TRAIN_PHASE_TEACHER;
    return t;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    train_free(t);
    return NULL;
}

void train_free(train *t)
{
    if (!t) return;
    for (int m = 0; m < TRAIN_NMODELS; m++) {
        nn_mlp_free(t->model[m]);
        nn_optim_free(t->opt[m]);
    }
    data_transfer_free(&t->tr);
    free(t->tlogits);
    free(t->perm);
    free(t->bperm);
    free(t->x);
    free(t->xb);
    free(t->idx);
    free(t->y);
    free(t->yb);
    free(t->grad);
    free(t->tbatch);
    free(t);
}

/* --- evaluation ---------------------------------------------------------------------------- */

static void queue_eval(train *t, train_model a, train_model b)
{
    memset(t->correct, 0, sizeof t->correct);
    memset(t->class_n, 0, sizeof t->class_n);
    memset(t->class_correct, 0, sizeof t->class_correct);
    memset(t->loss_sum, 0, sizeof t->loss_sum);
    t->queued[a] = t->model[a] != NULL;
    t->queued[b] = t->model[b] != NULL;
    t->epos = 0;
    t->st.evaluating = true;
}

/* One chunk of the test set through every queued model; true once the evaluation is complete. */
static bool eval_chunk(train *t)
{
    const data_set *d = t->testset;
    int B = d->n - t->epos < EVAL_CHUNK ? d->n - t->epos : EVAL_CHUNK, C = t->nclasses;
    for (int b = 0; b < B; b++) t->idx[b] = t->epos + b;
    data_batch(d, t->idx, B, t->x);
    data_batch_labels(d, t->idx, B, t->y);
    for (int b = 0; b < B; b++) t->class_n[t->y[b]]++;
    for (int m = 0; m < TRAIN_NMODELS; m++) {
        if (!t->queued[m]) continue;
        const float *z = nn_mlp_forward(t->model[m], t->x, B, false, NULL);
        t->loss_sum[m] += nn_cross_entropy(z, t->y, B, C, NULL) * B;
        for (int b = 0; b < B; b++)
            if (nn_argmax(z + (size_t)b * C, C) == t->y[b]) {
                t->correct[m]++;
                t->class_correct[m][t->y[b]]++;
            }
    }
    t->epos += B;
    if (t->epos < d->n) return false;
    for (int m = 0; m < TRAIN_NMODELS; m++) {
        if (!t->queued[m]) continue;
        t->queued[m] = false;
        train_eval *e = &t->st.eval[m];
        e->model = (train_model)m;
        e->epoch = t->st.phase == TRAIN_PHASE_CACHE ? 0 : t->st.epoch;
        e->step = t->st.step;
        e->n = d->n;
        e->acc = (double)t->correct[m] / d->n;
        e->loss = t->loss_sum[m] / d->n;
        e->nclasses = C;
        for (int k = 0; k < C; k++)
            e->class_acc[k] = t->class_n[k] ? (double)t->class_correct[m][k] / t->class_n[k] : 0;
        if (e->acc >= t->st.best[m].acc || t->st.best[m].n == 0) t->st.best[m] = *e;
        emit(t, TRAIN_EV_EVAL, NULL, NULL, e);
    }
    t->st.evaluating = false;
    return true;
}

/* --- the phases ---------------------------------------------------------------------------- */

static void log_step(train *t, train_model m, const nn_kd_terms *k, bool epoch_end)
{
    train_metrics *r = &t->st.last[m];
    r->model = m;
    r->epoch = t->st.epoch;
    r->step = t->st.step;
    r->T = t->st.T;
    r->alpha = m == TRAIN_STUDENT ? t->st.alpha : 0.0f;
    r->lr = m == TRAIN_TEACHER ? t->c.teacher_lr : t->st.lr;
    r->ce = k->ce;
    r->kl = k->kl;
    r->t2kl = k->t2kl;
    r->total = k->total;
    if (epoch_end || t->st.step % t->c.log_every == 0) emit(t, TRAIN_EV_STEP, NULL, r, NULL);
}

static int bad_loss(train *t, train_model m, const nn_kd_terms *k)
{
    return fail(t, "the %s's loss became %s at %s epoch %d step %ld (T %g, alpha %g, lr %g): "
                "try a lower learning rate", train_model_name(m), isnan(k->total) ? "NaN" : "infinite",
                train_phase_name(t->st.phase), t->st.epoch, t->st.step, t->st.T, t->st.alpha,
                m == TRAIN_TEACHER ? t->c.teacher_lr : t->st.lr);
}

static int teacher_step(train *t)
{
    int n = t->trainset->n, B = n - t->pos < t->c.batch ? (int)(n - t->pos) : t->c.batch;
    int C = t->nclasses;
    nn_mlp *m = t->model[TRAIN_TEACHER];
    const int *idx = t->perm + t->pos;
    data_batch(t->trainset, idx, B, t->x);
    data_batch_labels(t->trainset, idx, B, t->y);
    const float *z = nn_mlp_forward(m, t->x, B, true, &t->rng[TRAIN_TEACHER]);
    nn_kd_terms k = nn_kd_loss(z, NULL, t->y, B, C, 1.0f, 0.0f, t->grad);
    t->st.step++;
    if (!isfinite(k.total)) return bad_loss(t, TRAIN_TEACHER, &k);
    nn_mlp_backward(m, t->grad, B);
    nn_optim_step(t->opt[TRAIN_TEACHER], nn_mlp_params(m), nn_mlp_grads(m), t->c.teacher_lr);
    t->pos += B;
    t->st.samples += B;
    log_step(t, TRAIN_TEACHER, &k, t->pos == n);
    if (t->pos == n) queue_eval(t, TRAIN_TEACHER, TRAIN_TEACHER);
    return 1;
}

static void cache_teacher(train *t)
{
    if (t->c.no_cache || !t->cache_path[0]) return;
    char err[600], dir[TRAIN_PATH];
    train_cache_dir(&t->c, dir, sizeof dir);
    if (train_make_dirs(dir, err, sizeof err) != 0) {
        info(t, "could not cache the teacher: %s", err);
        return;
    }
    if (train_checkpoint_save(t->cache_path, t->model[TRAIN_TEACHER], t->key, err, sizeof err))
        info(t, "could not cache the teacher: %s", err);
    else
        info(t, "teacher cached: %s", t->cache_path);
}

static int cache_step(train *t)
{
    int C = t->nclasses, B = t->tr.n - t->pos < EVAL_CHUNK ? (int)(t->tr.n - t->pos) : EVAL_CHUNK;
    const int *idx = t->tr.index + t->pos;
    data_batch(t->trainset, idx, B, t->x);
    const float *z = nn_mlp_forward(t->model[TRAIN_TEACHER], t->x, B, false, NULL);
    for (size_t i = 0; i < (size_t)B * C; i++)
        if (!isfinite(z[i])) return fail(t, "the teacher's logits are not finite on sample %d",
                                         idx[i / C]);
    memcpy(t->tlogits + (size_t)t->pos * C, z, sizeof(float) * (size_t)B * C);
    t->pos += B;
    t->st.step++;
    t->st.samples += B;
    if (t->pos == t->tr.n) enter_phase(t, TRAIN_PHASE_DISTIL);
    return 1;
}

/* The baseline's batch: the student's own when every sample has a label, otherwise the next B
 * labelled samples in its own shuffled order. */
static const float *baseline_batch(train *t, int B, const int **labels)
{
    if (t->tr.nlabeled == t->tr.n) {
        *labels = t->y;
        return t->x;
    }
    for (int b = 0; b < B; b++) {
        if (t->bpos == t->tr.nlabeled) {
            t->bpos = 0;
            nn_rng_shuffle(&t->rng[TRAIN_BASELINE], t->bperm, t->tr.nlabeled);
        }
        int p = t->bperm[t->bpos++];
        t->idx[b] = t->tr.index[p];
    }
    data_batch(t->trainset, t->idx, B, t->xb);
    data_batch_labels(t->trainset, t->idx, B, t->yb);
    *labels = t->yb;
    return t->xb;
}

static int distil_step(train *t)
{
    int n = t->tr.n, B = n - t->pos < t->c.batch ? (int)(n - t->pos) : t->c.batch, C = t->nclasses;
    for (int b = 0; b < B; b++) {
        int p = t->perm[t->pos + b];
        t->idx[b] = t->tr.index[p];
        memcpy(t->tbatch + (size_t)b * C, t->tlogits + (size_t)p * C, sizeof(float) * C);
    }
    data_batch(t->trainset, t->idx, B, t->x);
    data_batch_labels(t->trainset, t->idx, B, t->y);
    for (int b = 0; b < B; b++)
        if (t->perm[t->pos + b] >= t->tr.nlabeled) t->y[b] = -1;
    t->st.step++;
    t->pos += B;
    t->st.samples += B;
    bool epoch_end = t->pos == n;

    nn_mlp *s = t->model[TRAIN_STUDENT];
    const float *z = nn_mlp_forward(s, t->x, B, true, &t->rng[TRAIN_STUDENT]);
    nn_kd_terms k = nn_kd_loss(z, t->tbatch, t->y, B, C, t->st.T, t->st.alpha, t->grad);
    if (!isfinite(k.total)) return bad_loss(t, TRAIN_STUDENT, &k);
    nn_mlp_backward(s, t->grad, B);
    nn_optim_step(t->opt[TRAIN_STUDENT], nn_mlp_params(s), nn_mlp_grads(s), t->st.lr);
    log_step(t, TRAIN_STUDENT, &k, epoch_end);

    nn_mlp *bm = t->model[TRAIN_BASELINE];
    if (bm) {
        const int *yb;
        const float *xb = baseline_batch(t, B, &yb);
        z = nn_mlp_forward(bm, xb, B, true, &t->rng[TRAIN_BASELINE]);
        nn_kd_terms kb = nn_kd_loss(z, NULL, yb, B, C, 1.0f, 0.0f, t->grad);
        if (!isfinite(kb.total)) return bad_loss(t, TRAIN_BASELINE, &kb);
        nn_mlp_backward(bm, t->grad, B);
        nn_optim_step(t->opt[TRAIN_BASELINE], nn_mlp_params(bm), nn_mlp_grads(bm), t->st.lr);
        log_step(t, TRAIN_BASELINE, &kb, epoch_end);
    }
    if (epoch_end) queue_eval(t, TRAIN_STUDENT, TRAIN_BASELINE);
    return 1;
}

/* After an epoch's evaluation: the next epoch, or the next phase. */
static void next_epoch(train *t)
{
    if (t->st.phase == TRAIN_PHASE_CACHE) return; /* the loaded teacher's evaluation: go on caching */
    if (t->st.epoch < t->st.epochs) {
        t->st.epoch++;
        t->pos = 0;
        bool teacher = t->st.phase == TRAIN_PHASE_TEACHER;
        int n = teacher ? t->trainset->n : t->tr.n;
        for (int i = 0; i < n; i++) t->perm[i] = i;
        nn_rng_shuffle(&t->rng[teacher ? TRAIN_TEACHER : TRAIN_STUDENT], t->perm, n);
        return;
    }
    if (t->st.phase == TRAIN_PHASE_TEACHER) {
        cache_teacher(t);
        enter_phase(t, TRAIN_PHASE_CACHE);
    } else {
        enter_phase(t, TRAIN_PHASE_DONE);
    }
}

int train_step(train *t)
{
    if (t->st.phase == TRAIN_PHASE_FAILED) return -1;
    if (!t->started) {
        t->started = true;
        train_phase p = t->st.phase;
        enter_phase(t, p);
        if (t->pending[0]) info(t, "%s", t->pending);
        /* a teacher that was not trained here is evaluated once before caching */
        if (p == TRAIN_PHASE_CACHE) queue_eval(t, TRAIN_TEACHER, TRAIN_TEACHER);
        return 1;
    }
    if (t->st.evaluating) {
        if (eval_chunk(t)) next_epoch(t);
        return t->st.phase == TRAIN_PHASE_DONE ? 0 : 1;
    }
    switch (t->st.phase) {
    case TRAIN_PHASE_TEACHER: return teacher_step(t);
    case TRAIN_PHASE_CACHE: return cache_step(t);
    case TRAIN_PHASE_DISTIL: return distil_step(t);
    case TRAIN_PHASE_DONE: return 0;
    default: return -1;
    }
}

int train_run_phase(train *t)
{
    train_phase p = t->st.phase;
    int r;
    do r = train_step(t);
    while (r == 1 && t->st.phase == p);
    return r;
}

void train_get_state(const train *t, train_state *out)
{
    *out = t->st;
}

const char *train_error(const train *t)
{
    return t->err;
}

const train_config *train_get_config(const train *t)
{
    return &t->c;
}

/* --- controls ------------------------------------------------------------------------------ */

static int control(train *t, float *field, float v, const char *what, bool ok)
{
    if (!ok || !isfinite(v)) return -1;
    if (*field != v)
        info(t, "%s %g -> %g at %s epoch %d step %ld", what, *field, v,
             train_phase_name(t->st.phase), t->st.epoch, t->st.step);
    *field = v;
    return 0;
}

int train_set_T(train *t, float T) { return control(t, &t->st.T, T, "T", T > 0.0f); }
int train_set_alpha(train *t, float a) { return control(t, &t->st.alpha, a, "alpha", a >= 0.0f && a <= 1.0f); }
int train_set_lr(train *t, float lr) { return control(t, &t->st.lr, lr, "lr", lr > 0.0f); }

int train_schedule(train *t, float T, float alpha, float lr)
{
    if (!(T > 0.0f && isfinite(T)) || !(alpha >= 0.0f && alpha <= 1.0f) || !(lr > 0.0f && isfinite(lr)))
        return -1;
    t->st.T = T;
    t->st.alpha = alpha;
    t->st.lr = lr;
    return 0;
}

/* --- models -------------------------------------------------------------------------------- */

int train_logits(train *t, train_model m, const data_set *d, int i, float *out)
{
    if ((unsigned)m >= TRAIN_NMODELS || !t->model[m] || i < 0 || i >= d->n)
        return -1;
    data_batch(d, &i, 1, t->x);
    memcpy(out, nn_mlp_forward(t->model[m], t->x, 1, false, NULL), sizeof(float) * t->nclasses);
    return 0;
}

int train_predict(train *t, train_model m, const data_set *d, int first, int n, float *out)
{
    if ((unsigned)m >= TRAIN_NMODELS || !t->model[m] || first < 0 || n < 0 || first > d->n - n)
        return -1;
    int C = t->nclasses;
    for (int i = 0; i < n; i += EVAL_CHUNK) {
        int B = n - i < EVAL_CHUNK ? n - i : EVAL_CHUNK;
        for (int b = 0; b < B; b++) t->idx[b] = first + i + b;
        data_batch(d, t->idx, B, t->x);
        memcpy(out + (size_t)i * C, nn_mlp_forward(t->model[m], t->x, B, false, NULL),
               sizeof(float) * (size_t)B * C);
    }
    return 0;
}

int train_save_models(train *t, const char *dir, char *err, size_t errlen)
{
    char path[TRAIN_PATH + 32];
    for (int m = 0; m < TRAIN_NMODELS; m++) {
        if (!t->model[m]) continue;
        snprintf(path, sizeof path, "%s/%s.ckpt", dir, train_model_name((train_model)m));
        if (train_checkpoint_save(path, t->model[m], m == TRAIN_TEACHER ? t->key : 0, err, errlen))
            return -1;
    }
    return 0;
}

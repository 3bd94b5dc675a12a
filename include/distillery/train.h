/* train: the trainer, a state machine that advances one minibatch per call of train_step():
 *   teacher (train, or load a checkpoint, or reuse a cached one) -> cache (teacher logits over the
 *   transfer set, kept so T can change at no cost) -> distil (student, and in lockstep the
 *   baseline from hard labels) -> done.
 * It prints nothing and never exits: what happens is told to a sink as events, and the current
 * state can be read at any time. Controls (T, alpha, lr) take effect at the next step. */
#ifndef DISTILLERY_TRAIN_H
#define DISTILLERY_TRAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "data.h"
#include "train_config.h"

typedef enum {
    TRAIN_PHASE_TEACHER,
    TRAIN_PHASE_CACHE,
    TRAIN_PHASE_DISTIL,
    TRAIN_PHASE_DONE,
    TRAIN_PHASE_FAILED
} train_phase;

const char *train_phase_name(train_phase p);

typedef enum { TRAIN_TEACHER, TRAIN_STUDENT, TRAIN_BASELINE, TRAIN_NMODELS } train_model;

const char *train_model_name(train_model m);

/* One training step's numbers. For the teacher and the baseline only ce and total are set. */
typedef struct train_metrics {
    train_model model;
    int epoch; /* 1-based epoch of its phase */
    long step; /* 1-based step of its phase */
    float T, alpha, lr;
    double ce, kl, t2kl, total;
} train_metrics;

/* A model's evaluation on the test set. */
typedef struct train_eval {
    train_model model;
    int epoch;
    long step;
    int n;             /* test samples */
    double acc, loss;  /* accuracy in [0, 1], mean CE */
    int nclasses;
    double class_acc[DATA_MAX_CLASSES];
} train_eval;

typedef enum {
    TRAIN_EV_PHASE, /* entering phase; text names it */
    TRAIN_EV_STEP,  /* metrics of a logged step (every log_every steps and the last of an epoch) */
    TRAIN_EV_EVAL,  /* eval of one model at the end of an epoch */
    TRAIN_EV_INFO,  /* a message worth keeping: cache hit, checkpoint written, control changed */
    TRAIN_EV_ERROR  /* the run failed; text says why */
} train_event_kind;

typedef struct train_event {
    train_event_kind kind;
    train_phase phase;
    const char *text;             /* PHASE, INFO, ERROR */
    const train_metrics *metrics; /* STEP */
    const train_eval *eval;       /* EVAL */
} train_event;

typedef void (*train_sink)(void *ud, const train_event *ev);

/* What a view or a log needs to know, read at any time (a copy). */
typedef struct train_state {
    train_phase phase;
    int epoch, epochs;         /* of the current phase; epoch is 1-based while training */
    long step, steps_per_epoch;
    long teacher_steps, distil_steps; /* totals for progress */
    long samples;              /* samples through the current phase's training so far */
    float T, alpha, lr;
    bool evaluating;           /* between epochs, evaluating on the test set */
    bool teacher_cached;       /* the teacher came from a checkpoint or the cache */
    train_metrics last[TRAIN_NMODELS];  /* latest step of each model (step 0: none yet) */
    train_eval eval[TRAIN_NMODELS];     /* latest evaluation of each model (n 0: none yet; epoch 0: a loaded teacher) */
    train_eval best[TRAIN_NMODELS];     /* best evaluation of each model by accuracy */
    int transfer_n, transfer_labeled;
} train_state;

typedef struct train train;

/* A trainer over train/test (borrowed, must outlive it) with config c (copied). sink may be NULL.
 * Resolves the transfer set, builds the models, and loads the teacher from c->teacher_load or the
 * cache when it can. NULL with err on failure. Caller frees with train_free. */
train *train_new(const train_config *c, const data_set *trainset, const data_set *testset,
                 train_sink sink, void *ud, char *err, size_t errlen);
void train_free(train *t);

/* Advance by one minibatch (or one chunk of evaluation or caching).
 * Returns 1 while there is more to do, 0 once done, -1 on failure (see train_error). */
int train_step(train *t);

/* Run steps until the phase changes or the run ends; the same return values as train_step. */
int train_run_phase(train *t);

void train_get_state(const train *t, train_state *out);
const char *train_error(const train *t); /* "" unless failed */

/* Controls, applied from the next step; each logged as an INFO event. Values out of range are
 * refused with -1 (T > 0, alpha in [0, 1], lr > 0, all finite). */
int train_set_T(train *t, float T);
int train_set_alpha(train *t, float alpha);
int train_set_lr(train *t, float lr);

/* The same, for values that follow a schedule: checked, applied from the next step, not logged
 * (each step's metrics carry them). -1 if any is out of range, and nothing changes. */
int train_schedule(train *t, float T, float alpha, float lr);

/* Logits (C) of one model for sample i of d; -1 if that model does not exist (yet). */
int train_logits(train *t, train_model m, const data_set *d, int i, float *out);

/* Logits (n, C) of one model for samples first .. first+n-1 of d, computed in chunks; -1 if that
 * model does not exist (yet) or the range is outside d. */
int train_predict(train *t, train_model m, const data_set *d, int first, int n, float *out);

/* The trained models' checkpoints into dir (teacher.ckpt, student.ckpt, baseline.ckpt). */
int train_save_models(train *t, const char *dir, char *err, size_t errlen);

/* The config the trainer runs (its copy, with the data fitted). */
const train_config *train_get_config(const train *t);

#endif

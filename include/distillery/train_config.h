/* train_config: everything that defines an experiment, as plain values. The command line (and
 * later the Lua scripts) fill it; the trainer reads it and never changes it. */
#ifndef DISTILLERY_TRAIN_CONFIG_H
#define DISTILLERY_TRAIN_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "data.h"
#include "nn_mlp.h"
#include "nn_optim.h"

#define TRAIN_PATH 1024

typedef enum { TRAIN_DATA_FASHION, TRAIN_DATA_SYNTHETIC, TRAIN_DATA_DIR } train_data_kind;

typedef struct train_config {
    char name[96];
    train_data_kind data;
    char data_dir[TRAIN_PATH]; /* TRAIN_DATA_DIR: an MNIST-format folder or a PNG folder */
    bool data_strict;          /* a bad PNG fails the load instead of being skipped */
    int synth_train, synth_test;

    int teacher[NN_MAX_LAYERS + 1], nteacher;
    float teacher_dropout;
    int student[NN_MAX_LAYERS + 1], nstudent;
    float student_dropout;

    float T, alpha;
    int epochs, teacher_epochs, batch;
    nn_optim_config optim; /* optim.lr is the student's (and baseline's) */
    float teacher_lr;      /* the teacher's learning rate */
    uint64_t seed;
    uint64_t teacher_seed; /* the teacher's initial weights, dropout and batches */

    data_transfer_config transfer;
    char omit[256]; /* classes left out of the transfer set, as given ("3" or "Shirt,3") */
    bool baseline;

    char teacher_load[TRAIN_PATH]; /* a teacher checkpoint to start from, instead of training */
    char cache_dir[TRAIN_PATH];    /* where trained teachers are kept; "" = the default */
    bool no_cache;

    int threads;
    char run_root[TRAIN_PATH]; /* run directories go under it ("runs") */
    char run_dir[TRAIN_PATH];  /* an exact run directory; "" = run_root/NAME-YYYYmmdd-HHMMSS */
    int log_every;             /* steps between logged metric rows */
    bool png;                  /* charts as PNG into the run directory at the end */
    int png_w, png_h;          /* their size in pixels */
    bool quiet;
} train_config;

/* The default experiment: Fashion-MNIST, a 784-1200-1200-10 teacher distilled into a 784-32-10
 * student on a 1% transfer set (600 samples) at T = 2, alpha = 0.7. */
float train_default_teacher_lr(nn_optim_kind kind);
train_config train_config_defaults(void);

/* Check ranges and consistency; 0 or -1 with err naming the field, what was expected and found. */
int train_config_check(const train_config *c, char *err, size_t errlen);

/* Make the model's first and last widths fit the data (dim, nclasses) where they are the defaults'
 * and check them; -1 with err when a given model does not fit. */
int train_config_fit_data(train_config *c, const data_set *train, bool teacher_given,
                          bool student_given, char *err, size_t errlen);

/* The resolved configuration as a JSON object (one per file, pretty enough to read). */
void train_config_write_json(const train_config *c, FILE *f);

/* Hash of everything that determines the trained teacher: data, architecture, seed, epochs,
 * batch, optimizer. Equal keys mean the cached teacher can be reused. */
uint64_t train_teacher_key(const train_config *c, uint64_t data_hash);

/* The teacher cache folder: c->cache_dir, else $DISTILLERY_CACHE, else $XDG_CACHE_HOME/distillery,
 * else $HOME/.cache/distillery. Fills buf; returns buf, or NULL if none can be named. */
const char *train_cache_dir(const train_config *c, char *buf, size_t len);

/* x in the shortest form that reads back as the same float, with a '.' whatever the locale. */
void train_format_number(char *out, size_t len, double x);

/* A JSON string literal of s (quotes and escapes) into f. */
void train_json_string(FILE *f, const char *s);

#endif

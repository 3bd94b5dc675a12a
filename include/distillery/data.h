/* data: image datasets kept as bytes (pixels converted to floats one batch at a time, so
 * Fashion-MNIST costs ~47 MB, not ~190 MB), their loaders, and the transfer set a student
 * learns from. */
#ifndef DISTILLERY_DATA_H
#define DISTILLERY_DATA_H

#include <stddef.h>
#include <stdint.h>

#define DATA_MAX_CLASSES 256
#define DATA_CLASS_NAME 32

typedef struct data_set {
    char name[64];     /* "fashion-mnist", "synthetic", or the folder's base name */
    int n;             /* samples */
    int rows, cols;    /* image size; dim = rows * cols */
    int dim;
    int nclasses;      /* labels are in [0, nclasses) */
    uint8_t *pixels;   /* (n, dim), owned */
    uint8_t *labels;   /* (n), owned */
    char (*class_names)[DATA_CLASS_NAME]; /* (nclasses), owned */
} data_set;

/* Release what a data_set owns and zero it; safe on a zeroed or half-built set. */
void data_free(data_set *d);

/* --- IDX files (raw or gzip) ------------------------------------------------------------ */

/* Read an IDX images file (ubyte, rank 3: n, rows, cols) and an IDX labels file (ubyte, rank 1: n)
 * into out. Either path may end in .gz or not; gzip is detected from the content. Every header
 * field (magic, type, rank, dimensions, sizes against the file's length) and every label
 * (< max_classes) is validated before any allocation. On error returns -1 with err naming the
 * file, what was expected and what was found; out is left zeroed. */
int data_idx_load(data_set *out, const char *images_path, const char *labels_path, int max_classes,
                  char *err, size_t errlen);

/* An MNIST-format folder: {train,t10k}-images-idx3-ubyte and {train,t10k}-labels-idx1-ubyte, each
 * raw or .gz. nclasses is 1 + the largest label seen in either split; class names are "0".."9"
 * unless the folder holds a file "classes.txt" with one name per line. */
int data_load_dir(data_set *train, data_set *test, const char *dir, char *err, size_t errlen);

/* Fashion-MNIST from Debian's dataset-fashion-mnist, with its class names. dir NULL means
 * DATA_FASHION_DIR. */
#define DATA_FASHION_DIR "/usr/share/datasets/fashion-mnist"
int data_fashion_mnist(data_set *train, data_set *test, const char *dir, char *err, size_t errlen);

/* --- The built-in synthetic set ---------------------------------------------------------- */

/* 28x28 greyscale images in 10 classes that come in look-alike pairs and groups, so a teacher's
 * soft labels carry what a one-hot label lacks (which classes resemble which). Generated from
 * seed, needing no files. ntrain, ntest >= 1. */
typedef struct data_synth_config {
    int ntrain, ntest;
    uint64_t seed;
} data_synth_config;

data_synth_config data_synth_defaults(void); /* 12000 train, 2000 test, seed 1 */
int data_synthetic(data_set *train, data_set *test, const data_synth_config *cfg, char *err,
                   size_t errlen);

/* --- Batches and identity ----------------------------------------------------------------- */

/* out (B, dim) = pixels of samples idx (B) scaled to [0, 1] */
void data_batch(const data_set *d, const int *idx, int B, float *out);
/* labels of samples idx (B) into out (B) */
void data_batch_labels(const data_set *d, const int *idx, int B, int *out);

/* 64-bit FNV-1a of n bytes, continuing from h (start with 14695981039346656037). */
uint64_t data_fnv1a(uint64_t h, const void *bytes, size_t n);

/* 64-bit FNV-1a of shape, pixels and labels: what makes two data sets the same for a cache. */
uint64_t data_hash(const data_set *d);

/* --- The transfer set --------------------------------------------------------------------- */

/* Which training samples the student learns from. The teacher always trains on the whole
 * training set. fraction in (0, 1] or count >= 1 (count wins when both set; neither means all);
 * classes in omit_mask are left out (Hinton et al.'s "no 3s" experiment); labeled >= 0 limits how
 * many samples of the transfer set keep their hard label (-1: all). */
typedef struct data_transfer_config {
    double fraction;    /* 0: unset */
    long count;         /* 0: unset */
    uint64_t omit_mask; /* bit c set: class c left out; classes < 64 */
    long labeled;       /* -1: all labeled */
} data_transfer_config;

data_transfer_config data_transfer_defaults(void);

typedef struct data_transfer {
    int n;        /* samples in the transfer set */
    int *index;   /* (n) indices into the training set, in a seeded random order; owned */
    int nlabeled; /* the first nlabeled of index keep their label */
} data_transfer;

/* Draw the transfer set from train with seed. Fails (-1, err) when nothing is left or the request
 * exceeds what is there. */
int data_transfer_make(data_transfer *out, const data_set *train, const data_transfer_config *cfg,
                       uint64_t seed, char *err, size_t errlen);
void data_transfer_free(data_transfer *t);

/* Parse "5%", "0.05" (fraction) or "3000" (count) into cfg; "1" alone means the count 1 unless
 * written "1.0". Returns 0 or -1 with err. */
int data_parse_transfer(const char *s, data_transfer_config *cfg, char *err, size_t errlen);
/* Parse a class list "3" or "3,5,7" (names of train's classes allowed too when names != NULL). */
int data_parse_classes(const char *s, const data_set *names, uint64_t *mask, char *err,
                       size_t errlen);

#endif

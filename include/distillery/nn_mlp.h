/* nn_mlp: a multilayer perceptron built from a list of widths: linear layers with ReLU and
 * optional dropout between them, logits out. Parameters and gradients each live in one block
 * (llm.c style), so the optimizer is one flat loop and a checkpoint is one write. */
#ifndef DISTILLERY_NN_MLP_H
#define DISTILLERY_NN_MLP_H

#include <stdbool.h>
#include <stddef.h>

#include "nn_rng.h"

#define NN_MAX_LAYERS 8 /* linear layers; widths has at most NN_MAX_LAYERS + 1 entries */

typedef struct nn_mlp nn_mlp;

/* widths (nwidths >= 2, each >= 1): input, hidden..., classes. dropout in [0, 1) applies after
 * each hidden ReLU in training. max_batch bounds B in forward/backward.
 * Returns NULL and fills err on bad arguments or no memory. Caller frees with nn_mlp_free. */
nn_mlp *nn_mlp_new(const int *widths, int nwidths, float dropout, int max_batch, char *err,
                   size_t errlen);
void nn_mlp_free(nn_mlp *m);

/* Kaiming-uniform weights (ReLU gain), zero biases, drawn from rng. */
void nn_mlp_init(nn_mlp *m, nn_rng *rng);

/* x (B, widths[0]), B <= max_batch, is borrowed and must stay unchanged until nn_mlp_backward.
 * train enables dropout (rng then required). Returns the logits (B, classes), owned by m and
 * valid until the next forward. */
const float *nn_mlp_forward(nn_mlp *m, const float *x, int B, bool train, nn_rng *rng);
/* dlogits (B, classes) of the last forward; writes all parameter gradients (overwrites). */
void nn_mlp_backward(nn_mlp *m, const float *dlogits, int B);

size_t nn_mlp_nparams(const nn_mlp *m);
float *nn_mlp_params(nn_mlp *m); /* owned by m, nn_mlp_nparams floats */
float *nn_mlp_grads(nn_mlp *m);  /* owned by m, nn_mlp_nparams floats */
int nn_mlp_nwidths(const nn_mlp *m);
const int *nn_mlp_widths(const nn_mlp *m); /* owned by m */
float nn_mlp_dropout(const nn_mlp *m);
int nn_mlp_max_batch(const nn_mlp *m);
/* Layer l's weight (out,in) and bias (out) inside the params block; l < nwidths - 1. */
float *nn_mlp_weight(nn_mlp *m, int l);
float *nn_mlp_bias(nn_mlp *m, int l);

/* "784-1200-1200-10" into widths; returns the count or -1 with err filled. */
int nn_parse_widths(const char *s, int *widths, int cap, char *err, size_t errlen);
/* widths into "784-1200-1200-10" (always NUL-terminated) */
void nn_format_widths(const int *widths, int n, char *buf, size_t len);

#endif

/* nn_layers: forward and backward of each layer, side by side, as plain functions with explicit
 * dimensions. B is the batch size; all arrays are row-major. */
#ifndef DISTILLERY_NN_LAYERS_H
#define DISTILLERY_NN_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "nn_rng.h"

/* out (B,O) = inp (B,I) @ w^T + b;  w (O,I), b (O) */
void nn_linear_forward(float *out, const float *inp, const float *w, const float *b, int B, int I,
                       int O);
/* dw (O,I) = dout^T @ inp; db (O) = column sums of dout; dinp (B,I) = dout @ w unless NULL.
 * dout (B,O), inp (B,I), w (O,I). dw and db are overwritten, not accumulated. */
void nn_linear_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                        const float *w, int B, int I, int O);

/* x (n) = max(x, 0), in place */
void nn_relu_forward(float *x, size_t n);
/* dx (n) *= [out > 0]; out (n) is the ReLU's output */
void nn_relu_backward(float *dx, const float *out, size_t n);

/* Inverted dropout in place: x (n) *= mask / (1 - p), mask (n) drawn with keep probability 1 - p.
 * p in [0, 1). */
void nn_dropout_forward(float *x, uint8_t *mask, size_t n, float p, nn_rng *rng);
/* dx (n) *= mask / (1 - p) */
void nn_dropout_backward(float *dx, const uint8_t *mask, size_t n, float p);

/* probs (B,C) = softmax(logits (B,C) / T), row by row; T > 0. probs may alias logits. */
void nn_softmax(float *probs, const float *logits, int B, int C, float T);

/* index of the largest of x (n); the first one on ties */
int nn_argmax(const float *x, int n);

#endif

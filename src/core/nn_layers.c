/* nn_layers: linear, ReLU, dropout and softmax at temperature T, forward and backward side by
 * side. Matrix products go through nn_gemm; everything else is one pass over the data. */
#include "distillery/nn_layers.h"

#include <math.h>
#include <string.h>

#include "distillery/nn_gemm.h"

void nn_linear_forward(float *out, const float *inp, const float *w, const float *b, int B, int I,
                       int O)
{
    /* seed each row with the bias, then let the GEMM accumulate on top (beta = 1) */
    for (int r = 0; r < B; r++) memcpy(out + (size_t)r * O, b, sizeof(float) * O);
    nn_gemm(false, true, B, O, I, 1.0f, inp, I, w, I, 1.0f, out, O);
}

void nn_linear_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                        const float *w, int B, int I, int O)
{
    nn_gemm(true, false, O, I, B, 1.0f, dout, O, inp, I, 0.0f, dw, I);
    memset(db, 0, sizeof(float) * O);
    for (int r = 0; r < B; r++) {
        const float *d = dout + (size_t)r * O;
        for (int o = 0; o < O; o++) db[o] += d[o];
    }
    if (dinp) nn_gemm(false, false, B, I, O, 1.0f, dout, O, w, I, 0.0f, dinp, I);
}

void nn_relu_forward(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void nn_relu_backward(float *dx, const float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) dx[i] = out[i] > 0.0f ? dx[i] : 0.0f;
}

void nn_dropout_forward(float *x, uint8_t *mask, size_t n, float p, nn_rng *rng)
{
    float scale = 1.0f / (1.0f - p);
    /* one 64-bit draw gives four 16-bit uniforms: dropout needs no more resolution than that */
    uint32_t keep_below = (uint32_t)((1.0 - p) * 65536.0 + 0.5);
    for (size_t i = 0; i < n; i += 4) {
        uint64_t bits = nn_rng_next(rng);
        for (size_t j = i; j < i + 4 && j < n; j++, bits >>= 16) {
            mask[j] = (uint32_t)(bits & 0xFFFF) < keep_below;
            x[j] = mask[j] ? x[j] * scale : 0.0f;
        }
    }
}

void nn_dropout_backward(float *dx, const uint8_t *mask, size_t n, float p)
{
    float scale = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) dx[i] = mask[i] ? dx[i] * scale : 0.0f;
}

void nn_softmax(float *probs, const float *logits, int B, int C, float T)
{
    float invT = 1.0f / T;
    for (int r = 0; r < B; r++) {
        const float *z = logits + (size_t)r * C;
        float *p = probs + (size_t)r * C;
        float mx = z[0];
        for (int c = 1; c < C; c++) mx = z[c] > mx ? z[c] : mx;
        double sum = 0;
        for (int c = 0; c < C; c++) {
            p[c] = expf((z[c] - mx) * invT);
            sum += p[c];
        }
        float inv = (float)(1.0 / sum);
        for (int c = 0; c < C; c++) p[c] *= inv;
    }
}

int nn_argmax(const float *x, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}

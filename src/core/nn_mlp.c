/* nn_mlp: linear -> ReLU -> (dropout) -> ... -> linear. Parameters, gradients and activations
 * are each one block carved at creation, so forward and backward never allocate.
 *
 * Layout of the parameter block: for each layer l, W_l (out,in) then b_l (out). The gradient
 * block mirrors it. Activations: act[l] (max_batch, widths[l+1]) is layer l's output after ReLU
 * and dropout (the logits for the last layer); backward reads only these and the input x. */
#include "distillery/nn_mlp.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distillery/nn_layers.h"

struct nn_mlp {
    int nw, widths[NN_MAX_LAYERS + 1];
    float dropout;
    int max_batch;
    size_t nparams;
    float *params, *grads;
    float *w[NN_MAX_LAYERS], *b[NN_MAX_LAYERS];
    float *dw[NN_MAX_LAYERS], *db[NN_MAX_LAYERS];
    float *acts;                /* one block for all act[l] */
    float *act[NN_MAX_LAYERS];  /* (max_batch, widths[l+1]) */
    float *dbuf[2];             /* ping-pong gradients of activations, (max_batch, max width) */
    uint8_t *masks;             /* dropout masks, one block */
    uint8_t *mask[NN_MAX_LAYERS];
    const float *x;             /* input of the last forward, borrowed */
    bool dropped;               /* last forward applied dropout */
};

nn_mlp *nn_mlp_new(const int *widths, int nwidths, float dropout, int max_batch, char *err,
                   size_t errlen)
{
    if (nwidths < 2 || nwidths > NN_MAX_LAYERS + 1) {
        snprintf(err, errlen, "a model needs 2 to %d widths (input, hidden..., classes), got %d",
                 NN_MAX_LAYERS + 1, nwidths);
        return NULL;
    }
    for (int i = 0; i < nwidths; i++)
        if (widths[i] < 1 || widths[i] > (1 << 20)) {
            snprintf(err, errlen, "width %d of the model must be in 1..%d, got %d", i + 1, 1 << 20,
                     widths[i]);
            return NULL;
        }
    if (!(dropout >= 0.0f && dropout < 1.0f)) {
        snprintf(err, errlen, "dropout must be in [0, 1), got %g", dropout);
        return NULL;
    }
    if (max_batch < 1) {
        snprintf(err, errlen, "batch size must be at least 1, got %d", max_batch);
        return NULL;
    }
    nn_mlp *m = calloc(1, sizeof *m);
    if (!m) goto oom;
    m->nw = nwidths;
    memcpy(m->widths, widths, sizeof(int) * nwidths);
    m->dropout = dropout;
    m->max_batch = max_batch;
    size_t nact = 0, wmax = 0;
    for (int l = 0; l < nwidths - 1; l++) {
        m->nparams += (size_t)widths[l + 1] * widths[l] + widths[l + 1];
        nact += (size_t)max_batch * widths[l + 1];
    }
    for (int i = 0; i < nwidths; i++) wmax = (size_t)widths[i] > wmax ? (size_t)widths[i] : wmax;
    m->params = calloc(m->nparams, sizeof(float));
    m->grads = calloc(m->nparams, sizeof(float));
    m->acts = calloc(nact, sizeof(float));
    m->dbuf[0] = calloc((size_t)max_batch * wmax * 2, sizeof(float));
    m->masks = calloc(nact, 1);
    if (!m->params || !m->grads || !m->acts || !m->dbuf[0] || !m->masks) goto oom;
    m->dbuf[1] = m->dbuf[0] + (size_t)max_batch * wmax;
    float *p = m->params, *g = m->grads, *a = m->acts;
    uint8_t *k = m->masks;
    for (int l = 0; l < nwidths - 1; l++) {
        size_t nw = (size_t)widths[l + 1] * widths[l], nb = widths[l + 1];
        m->w[l] = p, m->dw[l] = g, p += nw, g += nw;
        m->b[l] = p, m->db[l] = g, p += nb, g += nb;
        m->act[l] = a, m->mask[l] = k;
        a += (size_t)max_batch * nb, k += (size_t)max_batch * nb;
    }
    return m;
oom:
    snprintf(err, errlen, "out of memory for a %d-layer model", nwidths - 1);
    nn_mlp_free(m);
    return NULL;
}

void nn_mlp_free(nn_mlp *m)
{
    if (!m) return;
    free(m->params);
    free(m->grads);
    free(m->acts);
    free(m->dbuf[0]);
    free(m->masks);
    free(m);
}

void nn_mlp_init(nn_mlp *m, nn_rng *rng)
{
    for (int l = 0; l < m->nw - 1; l++) {
        int in = m->widths[l], out = m->widths[l + 1];
        /* Kaiming uniform with ReLU gain: U(-b, b), b = sqrt(6 / fan_in) */
        float bound = sqrtf(6.0f / (float)in);
        for (size_t i = 0; i < (size_t)out * in; i++)
            m->w[l][i] = (2.0f * nn_rng_uniform(rng) - 1.0f) * bound;
        memset(m->b[l], 0, sizeof(float) * out);
    }
}

const float *nn_mlp_forward(nn_mlp *m, const float *x, int B, bool train, nn_rng *rng)
{
    int L = m->nw - 1;
    m->x = x;
    m->dropped = train && m->dropout > 0.0f;
    const float *in = x;
    for (int l = 0; l < L; l++) {
        int I = m->widths[l], O = m->widths[l + 1];
        nn_linear_forward(m->act[l], in, m->w[l], m->b[l], B, I, O);
        if (l < L - 1) {
            nn_relu_forward(m->act[l], (size_t)B * O);
            if (m->dropped) nn_dropout_forward(m->act[l], m->mask[l], (size_t)B * O, m->dropout, rng);
        }
        in = m->act[l];
    }
    return m->act[L - 1];
}

void nn_mlp_backward(nn_mlp *m, const float *dlogits, int B)
{
    int L = m->nw - 1;
    const float *dout = dlogits;
    for (int l = L - 1; l >= 0; l--) {
        int I = m->widths[l], O = m->widths[l + 1];
        const float *in = l > 0 ? m->act[l - 1] : m->x;
        /* the input's gradient is only needed below the first layer */
        float *dinp = l > 0 ? m->dbuf[l & 1] : NULL;
        nn_linear_backward(dinp, m->dw[l], m->db[l], dout, in, m->w[l], B, I, O);
        if (dinp) {
            size_t n = (size_t)B * I;
            if (m->dropped) nn_dropout_backward(dinp, m->mask[l - 1], n, m->dropout);
            nn_relu_backward(dinp, m->act[l - 1], n);
        }
        dout = dinp;
    }
}

size_t nn_mlp_nparams(const nn_mlp *m) { return m->nparams; }
float *nn_mlp_params(nn_mlp *m) { return m->params; }
float *nn_mlp_grads(nn_mlp *m) { return m->grads; }
int nn_mlp_nwidths(const nn_mlp *m) { return m->nw; }
const int *nn_mlp_widths(const nn_mlp *m) { return m->widths; }
float nn_mlp_dropout(const nn_mlp *m) { return m->dropout; }
int nn_mlp_max_batch(const nn_mlp *m) { return m->max_batch; }
float *nn_mlp_weight(nn_mlp *m, int l) { return m->w[l]; }
float *nn_mlp_bias(nn_mlp *m, int l) { return m->b[l]; }

int nn_parse_widths(const char *s, int *widths, int cap, char *err, size_t errlen)
{
    int n = 0;
    const char *p = s;
    for (;;) {
        char *end = (char *)p;
        long v = 0;
        errno = 0;
        /* digits only: strtol alone would take " 784" or "+784" */
        if (isdigit((unsigned char)*p)) v = strtol(p, &end, 10);
        if (end == p || errno || v < 1 || v > (1 << 20)) {
            snprintf(err, errlen, "bad model '%s': expected widths like 784-1200-1200-10, each in 1..%d",
                     s, 1 << 20);
            return -1;
        }
        if (n == cap) {
            snprintf(err, errlen, "bad model '%s': at most %d widths", s, cap);
            return -1;
        }
        widths[n++] = (int)v;
        if (*end == '\0') break;
        if (*end != '-') {
            snprintf(err, errlen, "bad model '%s': expected '-' between widths, found '%c'", s, *end);
            return -1;
        }
        p = end + 1;
    }
    if (n < 2) {
        snprintf(err, errlen, "bad model '%s': need at least input and output widths", s);
        return -1;
    }
    return n;
}

void nn_format_widths(const int *widths, int n, char *buf, size_t len)
{
    size_t used = 0;
    if (len == 0) return;
    buf[0] = '\0';
    for (int i = 0; i < n && used < len; i++) {
        int k = snprintf(buf + used, len - used, i ? "-%d" : "%d", widths[i]);
        if (k < 0) break;
        used += (size_t)k;
    }
}

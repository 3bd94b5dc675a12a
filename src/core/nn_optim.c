/* nn_optim: SGD with momentum (PyTorch's form: v = mu*v + g + wd*p, p -= lr*v) and AdamW
 * (p -= lr*wd*p, then the bias-corrected Adam step), each one flat loop over the parameter block.
 * Optimizer state is one block too: m then v. */
#include "distillery/nn_optim.h"

#include <math.h>
#include <stdlib.h>

struct nn_optim {
    nn_optim_config cfg;
    size_t n;
    long t;
    float *m, *v; /* v used by Adam only; both carved from one allocation */
};

nn_optim_config nn_optim_defaults(nn_optim_kind kind)
{
    nn_optim_config c = {kind, 1e-3f, 0.9f, 0.0f, 0.9f, 0.999f, 1e-8f};
    if (kind == NN_OPTIM_SGD) c.lr = 0.05f;
    return c;
}

const char *nn_optim_name(nn_optim_kind kind)
{
    return kind == NN_OPTIM_SGD ? "sgd" : "adam";
}

nn_optim *nn_optim_new(const nn_optim_config *cfg, size_t n)
{
    nn_optim *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->cfg = *cfg;
    o->n = n;
    o->m = calloc(2 * n, sizeof(float));
    if (!o->m) {
        free(o);
        return NULL;
    }
    o->v = o->m + n;
    return o;
}

void nn_optim_free(nn_optim *o)
{
    if (!o) return;
    free(o->m);
    free(o);
}

long nn_optim_steps(const nn_optim *o)
{
    return o->t;
}

void nn_optim_step(nn_optim *o, float *params, const float *grads, float lr)
{
    const nn_optim_config *c = &o->cfg;
    float *restrict p = params, *restrict m = o->m, *restrict v = o->v;
    const float *restrict g = grads;
    size_t n = o->n;
    o->t++;
    if (c->kind == NN_OPTIM_SGD) {
        float mu = c->momentum, wd = c->weight_decay;
        for (size_t i = 0; i < n; i++) {
            float gi = g[i] + wd * p[i];
            m[i] = mu * m[i] + gi;
            p[i] -= lr * m[i];
        }
        return;
    }
    float b1 = c->beta1, b2 = c->beta2, eps = c->eps;
    /* fold the bias corrections into the step size and epsilon: one division per element */
    double bc1 = 1.0 - pow(b1, (double)o->t), bc2 = 1.0 - pow(b2, (double)o->t);
    float step = (float)(lr / bc1), rbc2 = (float)(1.0 / sqrt(bc2));
    float decay = 1.0f - lr * c->weight_decay;
    for (size_t i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1.0f - b1) * g[i];
        v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
        p[i] = p[i] * decay - step * m[i] / (sqrtf(v[i]) * rbc2 + eps);
    }
}

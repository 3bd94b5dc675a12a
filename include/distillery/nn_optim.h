/* nn_optim: SGD with momentum and Adam with decoupled weight decay (AdamW), over one flat block of
 * parameters. The learning rate is passed to each step so schedules can move it. */
#ifndef DISTILLERY_NN_OPTIM_H
#define DISTILLERY_NN_OPTIM_H

#include <stddef.h>

typedef enum { NN_OPTIM_SGD, NN_OPTIM_ADAM } nn_optim_kind;

typedef struct nn_optim_config {
    nn_optim_kind kind;
    float lr;
    float momentum;     /* SGD: v = momentum * v + g */
    float weight_decay; /* SGD: L2 added to g; Adam: decoupled, p -= lr * wd * p */
    float beta1, beta2, eps;
} nn_optim_config;

/* Defaults: Adam lr 1e-3, betas 0.9/0.999, eps 1e-8, wd 0; SGD lr 0.05, momentum 0.9. */
nn_optim_config nn_optim_defaults(nn_optim_kind kind);
const char *nn_optim_name(nn_optim_kind kind);

typedef struct nn_optim nn_optim;

/* State for n parameters, zeroed. NULL on no memory. Caller frees with nn_optim_free. */
nn_optim *nn_optim_new(const nn_optim_config *cfg, size_t n);
void nn_optim_free(nn_optim *o);
/* One update of params (n) from grads (n) at learning rate lr. */
void nn_optim_step(nn_optim *o, float *params, const float *grads, float lr);
/* steps taken so far */
long nn_optim_steps(const nn_optim *o);

#endif

/* nn_loss: cross-entropy and the knowledge-distillation loss of DESIGN.md, each component reported
 * on its own:
 *   L = (1 - alpha) * CE(softmax(s), y) + alpha * T^2 * KL( softmax(t/T) || softmax(s/T) )
 * averaged over the batch. A sample whose label is negative has no hard label: it contributes only
 * the soft term (distillation on unlabelled data). */
#ifndef DISTILLERY_NN_LOSS_H
#define DISTILLERY_NN_LOSS_H

typedef struct nn_kd_terms {
    double ce;    /* CE summed over the samples with a label, divided by B (so that
                     total = (1 - alpha) * ce + alpha * t2kl holds exactly) */
    double kl;    /* batch mean of KL(p_T || q_T), without T^2 */
    double t2kl;  /* T^2 * kl */
    double total; /* the loss whose gradient is returned */
} nn_kd_terms;

/* s, t (B,C) student and teacher logits; labels (B) in [0, C), or < 0 for none; grad (B,C) = dL/ds, or NULL.
 * t may be NULL when alpha == 0 (kl and t2kl are then 0). T > 0, alpha in [0, 1]. */
nn_kd_terms nn_kd_loss(const float *s, const float *t, const int *labels, int B, int C, float T,
                       float alpha, float *grad);

/* Plain cross-entropy of logits (B,C) against labels, batch mean; grad (B,C) or NULL. */
double nn_cross_entropy(const float *logits, const int *labels, int B, int C, float *grad);

#endif

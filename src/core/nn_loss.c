/* nn_loss: the KD loss with its components and closed-form gradient,
 *   dL/ds = (1 - alpha) * (softmax(s) - onehot(y)) + alpha * T * (softmax(s/T) - softmax(t/T)),
 * divided by the batch size. Each row is done in a few passes from log-sum-exps, with no scratch
 * memory: the hot path allocates nothing. Sums are in double, so float32 results stay within
 * 1e-6 of PyTorch's float64. */
#include "distillery/nn_loss.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

/* log(sum(exp(z/T))) over n, and the max of z/T through *mx */
static double logsumexp(const float *z, int n, double invT, double *mx)
{
    double m = z[0] * invT;
    for (int c = 1; c < n; c++) m = z[c] * invT > m ? z[c] * invT : m;
    double sum = 0;
    for (int c = 0; c < n; c++) sum += exp(z[c] * invT - m);
    *mx = m;
    return m + log(sum);
}

nn_kd_terms nn_kd_loss(const float *s, const float *t, const int *labels, int B, int C, float T,
                       float alpha, float *grad)
{
    nn_kd_terms r = {0, 0, 0, 0};
    double invT = 1.0 / T, invB = 1.0 / B, hard = 1.0 - alpha;
    bool soft = t != NULL; /* KL is reported even when alpha = 0 gives it no weight */
    for (int i = 0; i < B; i++) {
        const float *si = s + (size_t)i * C, *ti = soft ? t + (size_t)i * C : NULL;
        int y = labels ? labels[i] : -1;
        double m;
        double lse1 = logsumexp(si, C, 1.0, &m);
        double lseS = soft ? logsumexp(si, C, invT, &m) : 0;
        double lseT = soft ? logsumexp(ti, C, invT, &m) : 0;
        if (y >= 0) r.ce += lse1 - si[y];
        float *g = grad ? grad + (size_t)i * C : NULL;
        double kl = 0;
        for (int c = 0; c < C; c++) {
            double gc = 0;
            if (y >= 0) gc = hard * (exp(si[c] - lse1) - (c == y));
            if (soft) {
                double logp = ti[c] * invT - lseT, logq = si[c] * invT - lseS;
                double p = exp(logp);
                kl += p * (logp - logq);
                gc += alpha * T * (exp(logq) - p);
            }
            if (g) g[c] = (float)(gc * invB);
        }
        r.kl += kl;
    }
    r.ce *= invB;
    r.kl *= invB;
    r.t2kl = (double)T * T * r.kl;
    r.total = hard * r.ce + (soft ? alpha * r.t2kl : 0.0);
    return r;
}

double nn_cross_entropy(const float *logits, const int *labels, int B, int C, float *grad)
{
    return nn_kd_loss(logits, NULL, labels, B, C, 1.0f, 0.0f, grad).ce;
}

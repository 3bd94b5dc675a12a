/* testutil.h: small helpers shared by the C tests of the numerical core: random fills from an
 * nn_rng, maximum differences, and a finite-difference gradient checker that returns pass/fail
 * with the worst error it saw (kann's rule: a gradient check must be able to fail).
 * Header-only; every function is static inline so a test that leaves one unused stays
 * -Wall -Wextra clean. */
#ifndef DISTILLERY_TESTUTIL_H
#define DISTILLERY_TESTUTIL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "distillery/nn_rng.h"

/* x (n) = scale * N(0, 1) */
static inline void tu_fill_normal(nn_rng *rng, float *x, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = scale * nn_rng_normal(rng);
}

/* x (n) uniform in [lo, hi) */
static inline void tu_fill_uniform(nn_rng *rng, float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * nn_rng_uniform(rng);
}

/* max |a - b| over n; NaN anywhere gives +inf, so a NaN can never pass a tolerance */
static inline double tu_max_abs_diff(const float *a, const float *b, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (isnan(d)) return INFINITY;
        if (d > worst) worst = d;
    }
    return worst;
}

/* the same, float against double */
static inline double tu_max_abs_diff_fd(const float *a, const double *b, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (isnan(d)) return INFINITY;
        if (d > worst) worst = d;
    }
    return worst;
}

/* true when every one of x (n) is finite */
static inline bool tu_all_finite(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return false;
    return true;
}

/* Finite-difference gradient check.
 * loss(ctx) evaluates the scalar loss (in double) from the current contents of x. For each
 * checked index i, x[i] is moved to x[i] +/- eps (rounded to float), the loss is evaluated at both
 * points, and the central difference over the step actually taken is compared with grad[i]:
 *     pass  iff  |grad - fd| <= atol + rtol * max(|grad|, |fd|)
 * x is restored bit for bit afterwards. idx (nidx) lists the indices to check, or NULL for all n.
 * tu_fd_check_skip also takes a callback that may discard an index after its two evaluations.
 * The worst ratio |grad - fd| / (atol + rtol * max(|grad|, |fd|)) is kept (> 1 means a failure),
 * and, separately, the worst relative error |grad - fd| / max(|grad|, |fd|) among entries with
 * max(|grad|, |fd|) > atol (smaller entries have no meaningful relative error). */
typedef struct tu_fd_result {
    bool pass;
    size_t nchecked, nfailed;
    size_t nskipped;    /* indices the skip callback discarded (not counted in nchecked) */
    double worst_rel;   /* worst |g - fd| / max(|g|, |fd|) over entries above atol */
    double worst_abs;   /* worst |g - fd| */
    double worst_ratio; /* worst |g - fd| / allowed; > 1 is a failure */
    size_t worst_i;     /* index with the worst ratio */
    double worst_g, worst_fd;
} tu_fd_result;

typedef double (*tu_loss_fn)(void *ctx);
/* asked after the two evaluations of one index: true discards that index (e.g. a ReLU kink was
 * crossed inside the step, where a central difference means nothing) */
typedef bool (*tu_skip_fn)(void *ctx);

static inline tu_fd_result tu_fd_check_skip(tu_loss_fn loss, tu_skip_fn skip, void *ctx, float *x,
                                            const float *grad, size_t n, const size_t *idx,
                                            size_t nidx, float eps, double rtol, double atol)
{
    tu_fd_result r = {true, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    size_t count = idx ? nidx : n;
    for (size_t k = 0; k < count; k++) {
        size_t i = idx ? idx[k] : k;
        float x0 = x[i];
        float xp = x0 + eps, xm = x0 - eps;
        x[i] = xp;
        double lp = loss(ctx);
        x[i] = xm;
        double lm = loss(ctx);
        x[i] = x0;
        if (skip && skip(ctx)) {
            r.nskipped++;
            continue;
        }
        double fd = (lp - lm) / ((double)xp - (double)xm);
        double g = grad[i], d = fabs(g - fd);
        double mag = fabs(g) > fabs(fd) ? fabs(g) : fabs(fd);
        double allowed = atol + rtol * mag;
        double ratio = d / allowed;
        if (isnan(d)) ratio = INFINITY;
        r.nchecked++;
        if (!(ratio <= 1.0)) {
            r.pass = false;
            r.nfailed++;
        }
        if (isnan(d)) d = INFINITY;
        if (d > r.worst_abs) r.worst_abs = d;
        if (mag > atol && d / mag > r.worst_rel) r.worst_rel = d / mag;
        if (ratio > r.worst_ratio) {
            r.worst_ratio = ratio;
            r.worst_i = i;
            r.worst_g = g;
            r.worst_fd = fd;
        }
    }
    return r;
}

static inline tu_fd_result tu_fd_check(tu_loss_fn loss, void *ctx, float *x, const float *grad,
                                       size_t n, const size_t *idx, size_t nidx, float eps,
                                       double rtol, double atol)
{
    return tu_fd_check_skip(loss, NULL, ctx, x, grad, n, idx, nidx, eps, rtol, atol);
}

#endif

/* test_loss: nn_kd_loss and nn_cross_entropy against golden values, finite differences and
 * properties that follow from the convention of DESIGN.md:
 *   L = (1 - alpha) * CE(softmax(s), y) + alpha * T^2 * KL( softmax(t/T) || softmax(s/T) )
 *
 * (a) golden: every case of tests/fixtures/kd_golden.json (PyTorch autograd in float64, through
 *     the generated kd_golden.h), both problems: total, CE and KL within 1e-5, t2kl == T^2 kl,
 *     the gradient within 1e-6 elementwise (the fixture's suggested float32 tolerances).
 * (b) finite differences of total w.r.t. the student logits at T in {1,2,4,8} x alpha in
 *     {0, 0.3, 0.5, 1}, B = 5, C = 10, random logits (one sample unlabelled). nn_kd_loss sums in
 *     double, so its value is accurate to ~1e-15 and the FD divides by the step actually taken
 *     on the float logits; with eps = 1e-3 the O(eps^2) truncation error is ~1e-5 relative (it is
 *     ~1e-3 at eps = 1e-2), so rtol 1e-4 and atol 1e-8 (the float rounding of the analytic
 *     gradient is ~1e-9) hold with a margin of over 10x and still catch any real slip.
 * (c) unlabelled samples (label -1): no CE, gradient alpha T (softmax(s/T) - softmax(t/T)) / B,
 *     ce summed over labelled samples and divided by B, total == (1-alpha) ce + alpha t2kl.
 * (d) alpha = 0 with t == NULL is plain cross-entropy (== nn_cross_entropy, independent of T);
 *     with a teacher, alpha = 0 still reports KL but changes neither total nor gradient.
 * (e) extreme logits (+/-80 and 1e4) give a finite loss and gradient, with the right values.
 * Every row of the gradient sums to zero (softmax minus a distribution), checked throughout. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "distillery/nn_loss.h"
#include "fixtures/kd_golden.h"
#include "tap.h"
#include "testutil.h"

/* worst |sum of a row of g| over B rows */
static double worst_row_sum(const float *g, int B, int C)
{
    double worst = 0;
    for (int i = 0; i < B; i++) {
        double s = 0;
        for (int c = 0; c < C; c++)
            s += g[i * C + c];
        if (!(fabs(s) <= worst)) worst = fabs(s);
    }
    return worst;
}

/* ---- (a) golden values ---- */

static void test_golden(void)
{
    double worst_loss = 0, worst_grad = 0, worst_ce = 0, worst_kl = 0;
    for (int pi = 0; pi < KD_GOLDEN_NPROBLEMS; pi++) {
        const kd_golden_problem *p = &kd_golden_problems[pi];
        int n = p->B * p->C;
        float *s = malloc(n * sizeof(float)), *t = malloc(n * sizeof(float));
        float *g = malloc(n * sizeof(float));
        for (int i = 0; i < n; i++)
            s[i] = (float)p->student[i], t[i] = (float)p->teacher[i];
        for (int ci = 0; ci < p->ncases; ci++) {
            const kd_golden_case *k = &p->cases[ci];
            char what[160];
            nn_kd_terms r =
                nn_kd_loss(s, t, p->labels, p->B, p->C, (float)k->T, (float)k->alpha, g);
#define WHAT(...) (snprintf(what, sizeof what, __VA_ARGS__), what)
            tap_close(r.total, k->loss, 1e-5,
                      WHAT("golden %s T=%g alpha=%g: total", p->name, k->T, k->alpha));
            tap_close(r.ce, k->hard_ce, 1e-5,
                      WHAT("golden %s T=%g alpha=%g: ce", p->name, k->T, k->alpha));
            tap_close(r.kl, k->kl, 1e-5,
                      WHAT("golden %s T=%g alpha=%g: kl", p->name, k->T, k->alpha));
            tap_close(r.t2kl, k->T * k->T * r.kl, 1e-12 * (1 + fabs(r.t2kl)),
                      WHAT("golden %s T=%g alpha=%g: t2kl == T^2 * kl", p->name, k->T, k->alpha));
            double dg = tu_max_abs_diff_fd(g, k->grad, n);
            if (dg > 1e-6) tap_diag("max |grad - golden| = %.3g", dg);
            tap_ok(dg <= 1e-6,
                   "golden %s T=%g alpha=%g: grad within 1e-6 elementwise (max diff %.2g)", p->name,
                   k->T, k->alpha, dg);
#undef WHAT
            worst_loss = fmax(worst_loss, fabs(r.total - k->loss));
            worst_ce = fmax(worst_ce, fabs(r.ce - k->hard_ce));
            worst_kl = fmax(worst_kl, fabs(r.kl - k->kl));
            worst_grad = fmax(worst_grad, dg);
        }
        free(s), free(t), free(g);
    }
    tap_diag("golden: worst |total - loss| %.3g, |ce - hard_ce| %.3g, |kl - kl| %.3g, |grad - "
             "grad| %.3g",
             worst_loss, worst_ce, worst_kl, worst_grad);
}

/* ---- (b) finite differences ---- */

enum { FB = 5, FC = 10 };

typedef struct kd_ctx {
    float s[FB * FC], t[FB * FC];
    int labels[FB];
    float T, alpha;
} kd_ctx;

static double kd_total(void *p)
{
    kd_ctx *c = p;
    return nn_kd_loss(c->s, c->t, c->labels, FB, FC, c->T, c->alpha, NULL).total;
}

static void test_fd(nn_rng *rng)
{
    static const float temps[] = {1, 2, 4, 8}, alphas[] = {0, 0.3f, 0.5f, 1};
    double worst_rel = 0, worst_abs = 0, worst_ratio = 0;
    for (int ti = 0; ti < 4; ti++)
        for (int ai = 0; ai < 4; ai++) {
            kd_ctx c;
            c.T = temps[ti], c.alpha = alphas[ai];
            tu_fill_normal(rng, c.s, FB * FC, 2.0f);
            tu_fill_normal(rng, c.t, FB * FC, 3.0f);
            for (int i = 0; i < FB; i++)
                c.labels[i] = (int)nn_rng_below(rng, FC);
            c.labels[3] = -1; /* one unlabelled sample in every batch */
            float g[FB * FC];
            nn_kd_loss(c.s, c.t, c.labels, FB, FC, c.T, c.alpha, g);
            tu_fd_result r = tu_fd_check(kd_total, &c, c.s, g, FB * FC, NULL, 0, 1e-3f, 1e-4, 1e-8);
            if (!r.pass)
                tap_diag("%zu of %zu failed; worst at %zu: analytic %.9g, fd %.9g", r.nfailed,
                         r.nchecked, r.worst_i, r.worst_g, r.worst_fd);
            tap_ok(r.pass,
                   "KD grad == FD of total at T=%g alpha=%g (B=5, C=10; worst rel %.2g, abs %.2g, "
                   "%.0f%% of tolerance)",
                   c.T, c.alpha, r.worst_rel, r.worst_abs, 100 * r.worst_ratio);
            double rs = worst_row_sum(g, FB, FC);
            tap_ok(rs < 1e-6, "KD grad rows sum to 0 at T=%g alpha=%g (worst %.2g)", c.T, c.alpha,
                   rs);
            worst_rel = fmax(worst_rel, r.worst_rel);
            worst_abs = fmax(worst_abs, r.worst_abs);
            worst_ratio = fmax(worst_ratio, r.worst_ratio);
        }
    tap_diag("KD FD (eps 1e-3, rtol 1e-4, atol 1e-8): worst rel %.3g, worst abs %.3g, %.0f%% of "
             "tolerance",
             worst_rel, worst_abs, 100 * worst_ratio);
}

/* ---- (c) unlabelled samples ---- */

/* softmax(z / T) of one row in double */
static void softmax_ref(double *p, const float *z, int C, double T)
{
    double mx = z[0];
    for (int c = 1; c < C; c++)
        mx = z[c] > mx ? z[c] : mx;
    double sum = 0;
    for (int c = 0; c < C; c++)
        sum += p[c] = exp((z[c] - mx) / T);
    for (int c = 0; c < C; c++)
        p[c] /= sum;
}

/* -log softmax(z)_y in double */
static double ce_ref(const float *z, int C, int y)
{
    double mx = z[0];
    for (int c = 1; c < C; c++)
        mx = z[c] > mx ? z[c] : mx;
    double sum = 0;
    for (int c = 0; c < C; c++)
        sum += exp(z[c] - mx);
    return mx + log(sum) - z[y];
}

static void test_unlabelled(nn_rng *rng)
{
    enum { B = 4, C = 6 };
    const int labels[B] = {2, -1, 0, -1};
    const float T = 3.0f, alpha = 0.4f;
    float s[B * C], t[B * C], g[B * C];
    tu_fill_normal(rng, s, B * C, 2.0f);
    tu_fill_normal(rng, t, B * C, 2.0f);
    nn_kd_terms r = nn_kd_loss(s, t, labels, B, C, T, alpha, g);

    double ce = (ce_ref(s, C, 2) + ce_ref(s + 2 * C, C, 0)) / B;
    tap_close(r.ce, ce, 1e-9, "unlabelled: ce = sum of CE over the 2 labelled samples / B (B = 4)");
    tap_ok(r.total == (1.0 - alpha) * r.ce + alpha * r.t2kl,
           "unlabelled: total == (1 - alpha) * ce + alpha * t2kl exactly (%.17g vs %.17g)", r.total,
           (1.0 - alpha) * r.ce + alpha * r.t2kl);

    /* the soft term alone for the unlabelled rows */
    double worst = 0;
    for (int i = 1; i < B; i += 2) {
        double q[C], p[C];
        softmax_ref(q, s + i * C, C, T);
        softmax_ref(p, t + i * C, C, T);
        for (int c = 0; c < C; c++) {
            double want = alpha * T * (q[c] - p[c]) / B;
            worst = fmax(worst, fabs(g[i * C + c] - want));
        }
    }
    tap_ok(worst < 1e-7,
           "unlabelled rows: grad == alpha*T*(softmax(s/T) - softmax(t/T))/B within 1e-7 (max diff "
           "%.2g)",
           worst);
    /* the labelled rows carry the hard term as well */
    worst = 0;
    for (int i = 0; i < B; i += 2) {
        double q[C], p[C], q1[C];
        softmax_ref(q, s + i * C, C, T);
        softmax_ref(p, t + i * C, C, T);
        softmax_ref(q1, s + i * C, C, 1.0);
        for (int c = 0; c < C; c++) {
            double want =
                ((1 - alpha) * (q1[c] - (c == labels[i])) + alpha * T * (q[c] - p[c])) / B;
            worst = fmax(worst, fabs(g[i * C + c] - want));
        }
    }
    tap_ok(worst < 1e-7,
           "labelled rows: grad == the closed form of DESIGN.md within 1e-7 (max diff %.2g)",
           worst);

    /* KL is over all samples, labelled or not: the same with every label dropped */
    const int none[B] = {-1, -1, -1, -1};
    float g2[B * C];
    nn_kd_terms r2 = nn_kd_loss(s, t, none, B, C, T, alpha, g2);
    tap_ok(r2.ce == 0.0, "all unlabelled: ce == 0 (got %g)", r2.ce);
    tap_close(r2.kl, r.kl, 1e-12, "all unlabelled: kl is unchanged by the labels");
    tap_close(r2.total, alpha * r.t2kl, 1e-12, "all unlabelled: total == alpha * t2kl");
    nn_kd_terms r3 = nn_kd_loss(s, t, NULL, B, C, T, alpha, NULL);
    tap_ok(r3.ce == 0.0 && r3.total == r2.total, "labels == NULL is the same as all unlabelled");
    tap_ok(memcmp(g + C, g2 + C, C * sizeof(float)) == 0 &&
               memcmp(g + 3 * C, g2 + 3 * C, C * sizeof(float)) == 0,
           "an unlabelled row's gradient does not depend on the other rows' labels");

    /* alpha = 0: the unlabelled samples contribute nothing at all */
    float g0[B * C];
    nn_kd_terms r0 = nn_kd_loss(s, t, labels, B, C, T, 0.0f, g0);
    tap_close(r0.total, ce, 1e-9, "alpha 0 with unlabelled samples: total == labelled CE / B");
    int zero = 1;
    for (int c = 0; c < C; c++)
        zero &= g0[C + c] == 0.0f && g0[3 * C + c] == 0.0f;
    tap_ok(zero, "alpha 0: the gradient of unlabelled rows is exactly 0");
}

/* ---- (d) alpha = 0, no teacher ---- */

static void test_no_teacher(nn_rng *rng)
{
    enum { B = 6, C = 5 };
    int labels[B];
    float s[B * C], g[B * C], gce[B * C], g1[B * C];
    tu_fill_normal(rng, s, B * C, 2.0f);
    for (int i = 0; i < B; i++)
        labels[i] = (int)nn_rng_below(rng, C);
    nn_kd_terms r = nn_kd_loss(s, NULL, labels, B, C, 3.0f, 0.0f, g);
    double ce = nn_cross_entropy(s, labels, B, C, gce);
    double want = 0;
    for (int i = 0; i < B; i++)
        want += ce_ref(s + i * C, C, labels[i]);
    want /= B;
    tap_ok(isfinite(r.total) && r.total == ce, "alpha 0, t NULL: total == nn_cross_entropy (%.9g)",
           ce);
    tap_close(ce, want, 1e-9, "nn_cross_entropy == mean of -log softmax(s)_y in double");
    tap_ok(r.ce == r.total && r.kl == 0 && r.t2kl == 0,
           "alpha 0, t NULL: ce == total, kl == t2kl == 0");
    tap_ok(memcmp(g, gce, sizeof g) == 0, "alpha 0, t NULL: grad == nn_cross_entropy's grad");
    nn_kd_terms r1 = nn_kd_loss(s, NULL, labels, B, C, 1.0f, 0.0f, g1);
    tap_ok(r1.total == r.total && memcmp(g, g1, sizeof g) == 0,
           "alpha 0: T does not change CE or its grad");
    double worst = 0;
    for (int i = 0; i < B; i++) {
        double q[C];
        softmax_ref(q, s + i * C, C, 1.0);
        for (int c = 0; c < C; c++)
            worst = fmax(worst, fabs(gce[i * C + c] - (q[c] - (c == labels[i])) / B));
    }
    tap_ok(worst < 1e-7, "CE grad == (softmax(s) - onehot(y)) / B within 1e-7 (max diff %.2g)",
           worst);
    tap_ok(nn_cross_entropy(s, labels, B, C, NULL) == ce,
           "nn_cross_entropy with grad NULL: same value");

    /* alpha = 0 with a teacher: KL is still reported (DESIGN.md: every component on its own),
     * but neither the total nor the gradient moves */
    float t[B * C], gt[B * C];
    tu_fill_normal(rng, t, B * C, 2.0f);
    nn_kd_terms rt = nn_kd_loss(s, t, labels, B, C, 3.0f, 0.0f, gt);
    tap_ok(rt.kl > 0 && rt.t2kl == 9.0 * rt.kl,
           "alpha 0 with a teacher: kl reported (%g), t2kl = 9 kl", rt.kl);
    tap_ok(rt.total == ce && memcmp(g, gt, sizeof g) == 0,
           "alpha 0 with a teacher: total and grad the same as without one");
}

/* ---- (e) extreme logits ---- */

static void test_extreme(nn_rng *rng)
{
    enum { B = 4, C = 8 };
    int labels[B] = {0, 7, -1, 3};
    float s[B * C], t[B * C], g[B * C];
    static const float scales[] = {80.0f, 1e4f};
    static const float temps[] = {1.0f, 4.0f};
    for (int si = 0; si < 2; si++)
        for (int ti = 0; ti < 2; ti++) {
            for (int i = 0; i < B * C; i++) {
                s[i] = nn_rng_uniform(rng) < 0.5f ? -scales[si] : scales[si];
                t[i] = nn_rng_uniform(rng) < 0.5f ? -scales[si] : scales[si];
            }
            nn_kd_terms r = nn_kd_loss(s, t, labels, B, C, temps[ti], 0.5f, g);
            tap_ok(isfinite(r.total) && isfinite(r.ce) && isfinite(r.kl) && r.total >= 0 &&
                       r.kl >= 0,
                   "logits +/-%g, T=%g: loss finite and >= 0 (total %g, ce %g, kl %g)", scales[si],
                   temps[ti], r.total, r.ce, r.kl);
            tap_ok(tu_all_finite(g, B * C) && worst_row_sum(g, B, C) < 1e-6,
                   "logits +/-%g, T=%g: grad finite, rows sum to 0", scales[si], temps[ti]);
        }

    /* values at 1e4: s = [1e4, 0, ..., 0]. Label 0: CE = log(1 + 7 e^-1e4) = 0 (to double);
     * label 1: CE = 1e4 - 0 + log(1 + ...) = 1e4. Teacher = student: KL = 0. */
    float z[2 * 8] = {1e4f, 0, 0, 0, 0, 0, 0, 0, 1e4f, 0, 0, 0, 0, 0, 0, 0};
    int y[2] = {0, 1};
    float gz[16];
    nn_kd_terms r = nn_kd_loss(z, z, y, 2, 8, 2.0f, 0.5f, gz);
    tap_close(r.ce, (0.0 + 1e4) / 2, 1e-6, "s = [1e4, 0...], labels 0 and 1: ce = (0 + 1e4) / 2");
    tap_close(r.kl, 0.0, 1e-12, "teacher == student at 1e4: kl = 0");
    tap_close(gz[8], 0.5 * 1.0 / 2, 1e-7,
              "s = [1e4, 0...], label 1: dL/ds_0 = (1 - alpha) * 1 / B");
    tap_close(gz[9], 0.5 * -1.0 / 2, 1e-7, "s = [1e4, 0...], label 1: dL/ds_1 = -(1 - alpha) / B");
    tap_close(gz[0], 0.0, 1e-7, "s = [1e4, 0...], label 0: dL/ds_0 = 0");

    /* +/-80 against a known value: two classes, s = [80, -80], y = 1, CE = 160 + log(1 + e^-160) */
    float s2[2] = {80.0f, -80.0f}, t2[2] = {-80.0f, 80.0f}, g2[2];
    int y2 = 1;
    nn_kd_terms r2 = nn_kd_loss(s2, t2, &y2, 1, 2, 1.0f, 1.0f, g2);
    tap_close(r2.ce, 160.0, 1e-9, "s = [80, -80], y = 1: ce = 160");
    tap_close(r2.kl, 160.0, 1e-9, "s = [80, -80], t = [-80, 80], T=1: kl = 160");
    tap_close(g2[0], 1.0, 1e-7, "s = [80, -80], t = [-80, 80], alpha 1: dL/ds_0 = T * (1 - 0) = 1");
}

int main(void)
{
    nn_rng rng;
    nn_rng_seed(&rng, 1234567);
    test_golden();
    test_fd(&rng);
    test_unlabelled(&rng);
    test_no_teacher(&rng);
    test_extreme(&rng);
    return tap_done();
}

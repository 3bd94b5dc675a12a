/* test_layers: the layers of nn_layers.h, forward values and backward gradients.
 *
 * Each backward is checked by central finite differences of a scalar loss L = sum(R * out),
 * R a fixed random array, so dL/dout = R. The loss is summed in double from the layer's float
 * output; x is perturbed in float by eps and the difference divided by the step actually taken
 * (tu_fd_check). Linear, ReLU (away from its kink) and dropout (fixed mask) are piecewise linear,
 * so the only FD error is float rounding of the outputs: eps = 1e-2, rtol 1e-3, atol 1e-4.
 * The softmax Jacobian at temperature T, dp_i/dz_j = p_i (delta_ij - p_j) / T, is checked the
 * same way (it is curved, so eps = 1e-3, rtol 1e-2, atol 1e-4). Forward values are checked
 * against double-precision reimplementations.
 *
 * Also: backward overwrites dw/db/dinp (pre-filled with NaN), dinp may be NULL; dropout keeps
 * about 1 - p, scales by 1 / (1 - p), is repeatable for a seed and is the identity at p = 0;
 * softmax rows sum to 1, are unchanged by adding a constant, match softmax(z/T) at T = 1, stay
 * finite for logits of 1e4 and may alias their input; nn_argmax returns the first of ties. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "distillery/nn_layers.h"
#include "tap.h"
#include "testutil.h"

/* ---- linear ---- */

enum { LB = 3, LI = 5, LO = 4 };

typedef struct linear_ctx {
    float inp[LB * LI], w[LO * LI], b[LO], r[LB * LO];
} linear_ctx;

static double linear_loss(void *p)
{
    linear_ctx *c = p;
    float out[LB * LO];
    nn_linear_forward(out, c->inp, c->w, c->b, LB, LI, LO);
    double L = 0;
    for (int i = 0; i < LB * LO; i++)
        L += (double)c->r[i] * out[i];
    return L;
}

static void report(const char *what, tu_fd_result r)
{
    if (!r.pass)
        tap_diag("%s: %zu of %zu failed; worst at %zu: analytic %.9g, fd %.9g", what, r.nfailed,
                 r.nchecked, r.worst_i, r.worst_g, r.worst_fd);
    tap_ok(r.pass,
           "%s: FD check of %zu entries (worst rel %.2g, worst abs %.2g, %.0f%% of tolerance)",
           what, r.nchecked, r.worst_rel, r.worst_abs, 100 * r.worst_ratio);
}

static void test_linear(nn_rng *rng)
{
    linear_ctx c;
    tu_fill_normal(rng, c.inp, LB * LI, 1.0f);
    tu_fill_normal(rng, c.w, LO * LI, 0.5f);
    tu_fill_normal(rng, c.b, LO, 0.5f);
    tu_fill_normal(rng, c.r, LB * LO, 1.0f);

    /* forward against a double reimplementation of out = inp w^T + b */
    float out[LB * LO];
    double want[LB * LO];
    nn_linear_forward(out, c.inp, c.w, c.b, LB, LI, LO);
    for (int r = 0; r < LB; r++)
        for (int o = 0; o < LO; o++) {
            double acc = c.b[o];
            for (int i = 0; i < LI; i++)
                acc += (double)c.inp[r * LI + i] * c.w[o * LI + i];
            want[r * LO + o] = acc;
        }
    tap_ok(tu_max_abs_diff_fd(out, want, LB * LO) < 1e-5,
           "linear forward == inp w^T + b in double within 1e-5 (max diff %.2g)",
           tu_max_abs_diff_fd(out, want, LB * LO));

    /* backward into buffers full of NaN: every entry must be overwritten */
    float dinp[LB * LI], dw[LO * LI], db[LO];
    for (int i = 0; i < LB * LI; i++)
        dinp[i] = NAN;
    for (int i = 0; i < LO * LI; i++)
        dw[i] = NAN;
    for (int i = 0; i < LO; i++)
        db[i] = NAN;
    nn_linear_backward(dinp, dw, db, c.r, c.inp, c.w, LB, LI, LO);
    tap_ok(tu_all_finite(dinp, LB * LI) && tu_all_finite(dw, LO * LI) && tu_all_finite(db, LO),
           "linear backward overwrites dinp, dw, db (pre-filled with NaN)");

    report("linear dinp",
           tu_fd_check(linear_loss, &c, c.inp, dinp, LB * LI, NULL, 0, 1e-2f, 1e-3, 1e-4));
    report("linear dw", tu_fd_check(linear_loss, &c, c.w, dw, LO * LI, NULL, 0, 1e-2f, 1e-3, 1e-4));
    report("linear db", tu_fd_check(linear_loss, &c, c.b, db, LO, NULL, 0, 1e-2f, 1e-3, 1e-4));

    /* dinp NULL: the same dw and db, nothing else written */
    float dw2[LO * LI], db2[LO];
    nn_linear_backward(NULL, dw2, db2, c.r, c.inp, c.w, LB, LI, LO);
    tap_ok(memcmp(dw, dw2, sizeof dw) == 0 && memcmp(db, db2, sizeof db) == 0,
           "linear backward with dinp NULL gives the same dw and db");
    /* a second backward gives the same gradients: overwritten, not accumulated */
    nn_linear_backward(dinp, dw2, db2, c.r, c.inp, c.w, LB, LI, LO);
    tap_ok(memcmp(dw, dw2, sizeof dw) == 0 && memcmp(db, db2, sizeof db) == 0,
           "linear backward twice into the same buffers does not accumulate");
}

/* ---- ReLU ---- */

enum { RN = 40 };

typedef struct relu_ctx {
    float x[RN], r[RN];
} relu_ctx;

static double relu_loss(void *p)
{
    relu_ctx *c = p;
    float y[RN];
    memcpy(y, c->x, sizeof y);
    nn_relu_forward(y, RN);
    double L = 0;
    for (int i = 0; i < RN; i++)
        L += (double)c->r[i] * y[i];
    return L;
}

static void test_relu(nn_rng *rng)
{
    relu_ctx c;
    tu_fill_normal(rng, c.x, RN, 1.0f);
    tu_fill_normal(rng, c.r, RN, 1.0f);
    /* keep every point at least 0.1 from the kink, further than eps = 1e-2 */
    for (int i = 0; i < RN; i++)
        if (fabsf(c.x[i]) < 0.1f) c.x[i] = c.x[i] < 0 ? c.x[i] - 0.1f : c.x[i] + 0.1f;
    float y[RN];
    memcpy(y, c.x, sizeof y);
    nn_relu_forward(y, RN);
    int ok = 1;
    for (int i = 0; i < RN; i++)
        ok &= y[i] == (c.x[i] > 0 ? c.x[i] : 0.0f);
    tap_ok(ok, "relu forward == max(x, 0) exactly on %d values", RN);
    float one[3] = {-0.0f, 0.0f, -1e-30f};
    nn_relu_forward(one, 3);
    tap_ok(one[0] == 0 && one[1] == 0 && one[2] == 0, "relu forward of -0, 0, -1e-30 is 0");

    float dx[RN];
    memcpy(dx, c.r, sizeof dx);
    nn_relu_backward(dx, y, RN);
    report("relu dx", tu_fd_check(relu_loss, &c, c.x, dx, RN, NULL, 0, 1e-2f, 1e-3, 1e-4));
}

/* ---- dropout ---- */

enum { DN = 64 };
#define DROP_P    0.3f
#define DROP_SEED 777

typedef struct drop_ctx {
    float x[DN], r[DN];
    uint8_t mask[DN];
} drop_ctx;

/* the same mask every time: the rng is re-seeded before each forward */
static double drop_loss(void *p)
{
    drop_ctx *c = p;
    float y[DN];
    nn_rng rng;
    nn_rng_seed(&rng, DROP_SEED);
    memcpy(y, c->x, sizeof y);
    nn_dropout_forward(y, c->mask, DN, DROP_P, &rng);
    double L = 0;
    for (int i = 0; i < DN; i++)
        L += (double)c->r[i] * y[i];
    return L;
}

static void test_dropout(nn_rng *rng)
{
    drop_ctx c;
    tu_fill_normal(rng, c.x, DN, 1.0f);
    tu_fill_normal(rng, c.r, DN, 1.0f);

    /* forward: kept entries scaled by 1 / (1 - p), dropped ones zero */
    float y[DN];
    memcpy(y, c.x, sizeof y);
    nn_rng r1;
    nn_rng_seed(&r1, DROP_SEED);
    nn_dropout_forward(y, c.mask, DN, DROP_P, &r1);
    int ok = 1, kept = 0;
    for (int i = 0; i < DN; i++) {
        ok &= c.mask[i] == 0 || c.mask[i] == 1;
        ok &= c.mask[i] ? fabsf(y[i] - c.x[i] / (1.0f - DROP_P)) <= 1e-6f * fabsf(y[i]) : y[i] == 0;
        kept += c.mask[i];
    }
    tap_ok(ok, "dropout forward: mask in {0,1}, y = x / (1 - p) where kept, 0 where dropped");
    tap_ok(kept > 0 && kept < DN, "dropout forward keeps some and drops some (%d of %d kept)", kept,
           DN);

    /* backward against FD of the same masked function */
    uint8_t mask[DN];
    memcpy(mask, c.mask, sizeof mask);
    float dx[DN];
    memcpy(dx, c.r, sizeof dx);
    nn_dropout_backward(dx, mask, DN, DROP_P);
    report("dropout dx (p = 0.3, fixed mask)",
           tu_fd_check(drop_loss, &c, c.x, dx, DN, NULL, 0, 1e-2f, 1e-3, 1e-4));
    tap_ok(memcmp(mask, c.mask, sizeof mask) == 0,
           "dropout: re-seeding the rng gives the same mask");

    /* the keep rate over many draws is 1 - p (binomial sd 0.0046 at n = 10000: allow 0.02) */
    enum { BIG = 10000 };
    float *big = malloc(BIG * sizeof(float));
    uint8_t *bmask = malloc(BIG);
    for (int i = 0; i < BIG; i++)
        big[i] = 1.0f;
    nn_dropout_forward(big, bmask, BIG, DROP_P, rng);
    double sum = 0;
    kept = 0;
    for (int i = 0; i < BIG; i++)
        kept += bmask[i], sum += big[i];
    tap_ok(fabs(kept / (double)BIG - 0.7) < 0.02,
           "dropout p = 0.3 keeps %.4f of 10000 (want 0.7 +/- 0.02)", kept / (double)BIG);
    tap_ok(fabs(sum / BIG - 1.0) < 0.03,
           "inverted dropout preserves the mean: mean of dropout(ones) = %.4f (want 1 +/- 0.03)",
           sum / BIG);

    /* p = 0 keeps everything unchanged */
    for (int i = 0; i < BIG; i++)
        big[i] = (float)i;
    nn_dropout_forward(big, bmask, BIG, 0.0f, rng);
    ok = 1;
    for (int i = 0; i < BIG; i++)
        ok &= big[i] == (float)i && bmask[i] == 1;
    tap_ok(ok, "dropout p = 0 is the identity with a full mask");
    /* odd lengths (not a multiple of 4 draws) write exactly n entries */
    float odd[7] = {1, 1, 1, 1, 1, 1, 1};
    uint8_t omask[8];
    omask[7] = 0xAB;
    nn_dropout_forward(odd, omask, 7, 0.5f, rng);
    ok = omask[7] == 0xAB;
    for (int i = 0; i < 7; i++)
        ok &= (omask[i] == 1 && odd[i] == 2.0f) || (omask[i] == 0 && odd[i] == 0.0f);
    tap_ok(ok, "dropout on n = 7 writes 7 mask entries, values 0 or 2 at p = 0.5");
    free(big);
    free(bmask);
}

/* ---- softmax ---- */

enum { SB = 4, SC = 7 };

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

typedef struct soft_ctx {
    float z[SB * SC], v[SB * SC];
    float T;
} soft_ctx;

/* L = sum v * softmax(z / T); dL/dz_j = p_j (v_j - sum_i v_i p_i) / T per row */
static double soft_loss(void *p)
{
    soft_ctx *c = p;
    float probs[SB * SC];
    nn_softmax(probs, c->z, SB, SC, c->T);
    double L = 0;
    for (int i = 0; i < SB * SC; i++)
        L += (double)c->v[i] * probs[i];
    return L;
}

static void test_softmax(nn_rng *rng)
{
    static const float temps[] = {0.5f, 1.0f, 2.0f, 4.0f, 8.0f};
    for (size_t ti = 0; ti < sizeof temps / sizeof temps[0]; ti++) {
        float T = temps[ti];
        soft_ctx c;
        c.T = T;
        tu_fill_normal(rng, c.z, SB * SC, 2.0f);
        tu_fill_normal(rng, c.v, SB * SC, 1.0f);
        float p[SB * SC], q[SB * SC], zs[SB * SC];
        double want[SB * SC];
        nn_softmax(p, c.z, SB, SC, T);
        for (int r = 0; r < SB; r++)
            softmax_ref(want + r * SC, c.z + r * SC, SC, T);
        double d = tu_max_abs_diff_fd(p, want, SB * SC);
        tap_ok(d < 1e-6, "softmax T=%g == double reference within 1e-6 (max diff %.2g)", T, d);

        double worst_sum = 0;
        for (int r = 0; r < SB; r++) {
            double s = 0;
            for (int k = 0; k < SC; k++)
                s += p[r * SC + k];
            if (fabs(s - 1) > worst_sum) worst_sum = fabs(s - 1);
        }
        tap_ok(worst_sum < 1e-6, "softmax T=%g: rows sum to 1 within 1e-6 (worst %.2g)", T,
               worst_sum);

        for (int i = 0; i < SB * SC; i++)
            zs[i] = c.z[i] + 5.25f;
        nn_softmax(q, zs, SB, SC, T);
        d = tu_max_abs_diff(p, q, SB * SC);
        tap_ok(d < 1e-6, "softmax T=%g: adding 5.25 to every logit changes nothing (max diff %.2g)",
               T, d);

        for (int i = 0; i < SB * SC; i++)
            zs[i] = c.z[i] / T;
        nn_softmax(q, zs, SB, SC, 1.0f);
        d = tu_max_abs_diff(p, q, SB * SC);
        tap_ok(d < 1e-6, "softmax(z, T=%g) == softmax(z / T, 1) within 1e-6 (max diff %.2g)", T, d);

        /* the Jacobian: temperature enters as 1/T */
        float g[SB * SC];
        for (int r = 0; r < SB; r++) {
            double vp = 0;
            for (int k = 0; k < SC; k++)
                vp += (double)c.v[r * SC + k] * want[r * SC + k];
            for (int k = 0; k < SC; k++)
                g[r * SC + k] = (float)(want[r * SC + k] * (c.v[r * SC + k] - vp) / T);
        }
        char what[64];
        snprintf(what, sizeof what, "softmax Jacobian at T=%g", T);
        report(what, tu_fd_check(soft_loss, &c, c.z, g, SB * SC, NULL, 0, 1e-2f * T, 1e-2, 1e-5));
    }

    /* aliasing: probs == logits */
    float z[SC], p[SC];
    tu_fill_normal(rng, z, SC, 2.0f);
    nn_softmax(p, z, 1, SC, 2.0f);
    nn_softmax(z, z, 1, SC, 2.0f);
    tap_ok(memcmp(p, z, sizeof p) == 0, "softmax in place (probs == logits) gives the same result");

    /* large logits: no overflow, no NaN */
    float big[2 * 4] = {1e4f, 1e4f, -1e4f, 0.0f, -1e4f, 5e3f, 1e4f, -3e3f};
    float pb[2 * 4];
    nn_softmax(pb, big, 2, 4, 1.0f);
    tap_ok(tu_all_finite(pb, 8), "softmax of logits +/-1e4 at T=1 is finite");
    tap_ok(pb[0] == 0.5f && pb[1] == 0.5f && pb[2] == 0.0f && pb[3] == 0.0f,
           "softmax [1e4, 1e4, -1e4, 0] = [0.5, 0.5, 0, 0]");
    tap_ok(pb[6] == 1.0f && pb[4] == 0.0f && pb[5] == 0.0f && pb[7] == 0.0f,
           "softmax [-1e4, 5e3, 1e4, -3e3] = one-hot at 2");
    nn_softmax(pb, big, 2, 4, 8.0f);
    tap_ok(tu_all_finite(pb, 8) && pb[0] == 0.5f && pb[6] == 1.0f,
           "softmax of logits +/-1e4 at T=8 is finite and still saturated");
    float huge[5];
    tu_fill_normal(rng, huge, 5, 1e4f);
    float ph[5];
    nn_softmax(ph, huge, 1, 5, 0.5f);
    double s = 0;
    for (int k = 0; k < 5; k++)
        s += ph[k];
    tap_ok(tu_all_finite(ph, 5) && fabs(s - 1) < 1e-6,
           "softmax of 1e4-scale normals at T=0.5 is finite and sums to 1");
}

/* ---- argmax ---- */

static void test_argmax(void)
{
    const float a[] = {1, 3, 3, 2}, b[] = {7, 7, 7}, c[] = {-5, -1, -1, -9}, d[] = {0, 1, 2, 9};
    const float e[] = {4.0f}, f[] = {-INFINITY, -INFINITY, -1e30f};
    tap_ok(nn_argmax(a, 4) == 1, "argmax [1 3 3 2] = 1, the first of the tie");
    tap_ok(nn_argmax(b, 3) == 0, "argmax of all equal = 0");
    tap_ok(nn_argmax(c, 4) == 1, "argmax [-5 -1 -1 -9] = 1");
    tap_ok(nn_argmax(d, 4) == 3, "argmax with the maximum last = 3");
    tap_ok(nn_argmax(e, 1) == 0, "argmax of one element = 0");
    tap_ok(nn_argmax(f, 3) == 2, "argmax [-inf -inf -1e30] = 2");
}

int main(void)
{
    nn_rng rng;
    nn_rng_seed(&rng, 4242);
    test_linear(&rng);
    test_relu(&rng);
    test_dropout(&rng);
    test_softmax(&rng);
    test_argmax();
    tap_close(nn_argmax((const float[]){0.5f, 0.25f}, 2), 0, 0, "argmax [0.5 0.25] = 0");
    return tap_done();
}

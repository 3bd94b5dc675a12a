/* test_mlp: the MLP end to end.
 *
 * Gradients: nn_mlp_forward -> nn_kd_loss (T 2, alpha 0.5, one unlabelled sample) ->
 * nn_mlp_backward, checked by central finite differences of the total loss w.r.t. every
 * parameter of small models (7-6-5-4, 5-3) and a random subset of 200 for bigger ones (20-32-24-5
 * and an 8-layer 6-8-...-8-3), with dropout 0 and 0.3 (the rng is re-seeded before each forward,
 * so every evaluation uses the same mask). The loss goes through the real float forward; for one
 * parameter the logits are then piecewise linear, so the FD error is float rounding of the
 * logits (~1e-7 / eps) plus the softmax curvature (~eps^2), balanced at eps = 3e-3 with rtol 1e-2
 * and atol 2e-5. A step that crosses a ReLU kink measures nothing: a double-precision forward
 * from the same weights (and the same dropout draws) watches every hidden unit, and a parameter
 * whose step flips one is skipped, at most 10% of them.
 *
 * Also: the forward pass equals a double-precision reimplementation from the weights; eval mode
 * ignores dropout; backward overwrites its gradients; nn_mlp_new validates its arguments and lays
 * out the parameter block as documented; Kaiming-uniform init; nn_parse_widths on good and bad
 * input; nn_format_widths; a tiny model trained with Adam on a separable toy problem reaches
 * > 95% test accuracy; two runs with the same seed give bit-identical parameters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "distillery/nn_layers.h"
#include "distillery/nn_loss.h"
#include "distillery/nn_mlp.h"
#include "distillery/nn_optim.h"
#include "tap.h"
#include "testutil.h"

/* ---- gradient checks ---- */

#define KD_T      2.0f
#define KD_ALPHA  0.5f
#define DROP_SEED 99

/* The forward pass in double from the documented parameter layout (W_l (out,in) then b_l (out)).
 * In training it applies the dropout masks nn_mlp_forward draws when its rng is seeded with
 * DROP_SEED (nn_dropout_forward after each hidden ReLU, in layer order). pattern, if not NULL,
 * gets 1 for each hidden pre-activation > 0, layer by layer (B * sum of hidden widths).
 * logits (B, classes). */
static void ref_forward(nn_mlp *m, const float *x, int B, bool train, double *logits,
                        uint8_t *pattern)
{
    int nw = nn_mlp_nwidths(m), L = nw - 1, wmax = 0;
    const int *w = nn_mlp_widths(m);
    float p = nn_mlp_dropout(m);
    for (int i = 0; i < nw; i++)
        wmax = w[i] > wmax ? w[i] : wmax;
    size_t cap = (size_t)B * wmax;
    double *a = malloc(sizeof(double) * cap), *h = malloc(sizeof(double) * cap);
    float *scale = malloc(sizeof(float) * cap);
    uint8_t *mask = malloc(cap);
    nn_rng rng;
    nn_rng_seed(&rng, DROP_SEED);
    for (size_t i = 0; i < (size_t)B * w[0]; i++)
        a[i] = x[i];
    for (int l = 0; l < L; l++) {
        const float *W = nn_mlp_weight(m, l), *b = nn_mlp_bias(m, l);
        int I = w[l], O = w[l + 1];
        bool hidden = l < L - 1;
        for (int r = 0; r < B; r++)
            for (int o = 0; o < O; o++) {
                double s = b[o];
                for (int i = 0; i < I; i++)
                    s += (double)W[(size_t)o * I + i] * a[(size_t)r * I + i];
                if (hidden && pattern) *pattern++ = s > 0;
                h[(size_t)r * O + o] = hidden && s < 0 ? 0 : s;
            }
        if (hidden && train && p > 0) {
            /* the same draws as the model's: dropout of ones gives 0 or 1 / (1 - p) per unit */
            size_t n = (size_t)B * O;
            for (size_t i = 0; i < n; i++)
                scale[i] = 1.0f;
            nn_dropout_forward(scale, mask, n, p, &rng);
            for (size_t i = 0; i < n; i++)
                h[i] *= scale[i];
        }
        double *t = a;
        a = h, h = t;
    }
    memcpy(logits, a, sizeof(double) * B * w[L]);
    free(a), free(h), free(scale), free(mask);
}

typedef struct mlp_ctx {
    nn_mlp *m;
    int B, C;
    float *x, *t; /* (B, in), (B, C) */
    int *labels;  /* (B) */
    bool train;
    uint8_t *pattern0; /* ReLU pattern at the unperturbed parameters */
    uint8_t *pattern;  /* scratch */
    size_t npattern;
    double *ref_logits; /* scratch (B, C) */
    bool kinked;        /* a ReLU changed state in an evaluation since the last skip() */
} mlp_ctx;

static const float *ctx_forward(mlp_ctx *c)
{
    nn_rng rng;
    nn_rng_seed(&rng, DROP_SEED);
    return nn_mlp_forward(c->m, c->x, c->B, c->train, c->train ? &rng : NULL);
}

/* the real path: nn_mlp_forward in float, then nn_kd_loss; the double forward only watches
 * for ReLUs that change state */
static double mlp_loss(void *p)
{
    mlp_ctx *c = p;
    const float *logits = ctx_forward(c);
    double L = nn_kd_loss(logits, c->t, c->labels, c->B, c->C, KD_T, KD_ALPHA, NULL).total;
    ref_forward(c->m, c->x, c->B, c->train, c->ref_logits, c->pattern);
    if (memcmp(c->pattern, c->pattern0, c->npattern) != 0) c->kinked = true;
    return L;
}

/* a central difference across a ReLU kink measures nothing: skip that parameter */
static bool mlp_skip(void *p)
{
    mlp_ctx *c = p;
    bool k = c->kinked;
    c->kinked = false;
    return k;
}

static double worst_rel_all, worst_abs_all;

/* FD check of a model built from widths; nsub = 0 checks every parameter */
static void check_model(const int *widths, int nw, float dropout, int B, size_t nsub, uint64_t seed)
{
    char err[200], name[64];
    nn_format_widths(widths, nw, name, sizeof name);
    nn_mlp *m = nn_mlp_new(widths, nw, dropout, B, err, sizeof err);
    if (!m) {
        tap_ok(0, "nn_mlp_new %s: %s", name, err);
        return;
    }
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    nn_mlp_init(m, &rng);
    int in = widths[0], C = widths[nw - 1];
    size_t np = nn_mlp_nparams(m);
    float *params = nn_mlp_params(m);
    /* non-zero biases, so their gradient paths are exercised from a generic point */
    for (int l = 0; l < nw - 1; l++)
        tu_fill_normal(&rng, nn_mlp_bias(m, l), widths[l + 1], 0.1f);
    mlp_ctx c = {m,
                 B,
                 C,
                 malloc(sizeof(float) * B * in),
                 malloc(sizeof(float) * B * C),
                 malloc(sizeof(int) * B),
                 dropout > 0,
                 NULL,
                 NULL,
                 0,
                 malloc(sizeof(double) * B * C),
                 false};
    tu_fill_normal(&rng, c.x, (size_t)B * in, 1.0f);
    tu_fill_normal(&rng, c.t, (size_t)B * C, 2.0f);
    for (int i = 0; i < B; i++)
        c.labels[i] = (int)nn_rng_below(&rng, C);
    c.labels[B - 1] = -1;
    for (int l = 1; l < nw - 1; l++)
        c.npattern += (size_t)B * widths[l];
    c.pattern0 = malloc(c.npattern + 1), c.pattern = malloc(c.npattern + 1);

    /* the model's forward agrees with the double one (and so draws the masks it is assumed to) */
    ref_forward(m, c.x, B, c.train, c.ref_logits, c.pattern0);
    const float *logits = ctx_forward(&c);
    double d = 0;
    for (int i = 0; i < B * C; i++)
        d = fmax(d, fabs(logits[i] - c.ref_logits[i]) / (1 + fabs(c.ref_logits[i])));
    tap_ok(d < 1e-5,
           "mlp %s dropout %g: %s forward == double forward with the same masks (rel %.2g)", name,
           dropout, c.train ? "training" : "eval", d);

    /* analytic gradient */
    float *dlogits = malloc(sizeof(float) * B * C), *grads = malloc(sizeof(float) * np);
    nn_kd_loss(ctx_forward(&c), c.t, c.labels, B, C, KD_T, KD_ALPHA, dlogits);
    nn_mlp_backward(m, dlogits, B);
    memcpy(grads, nn_mlp_grads(m), sizeof(float) * np);

    size_t *idx = NULL;
    if (nsub && nsub < np) {
        int *perm = malloc(sizeof(int) * np);
        for (size_t i = 0; i < np; i++)
            perm[i] = (int)i;
        nn_rng_shuffle(&rng, perm, (int)np);
        idx = malloc(sizeof(size_t) * nsub);
        for (size_t k = 0; k < nsub; k++)
            idx[k] = (size_t)perm[k];
        free(perm);
    }
    tu_fd_result r = tu_fd_check_skip(mlp_loss, mlp_skip, &c, params, grads, np, idx,
                                      idx ? nsub : 0, 3e-3f, 1e-2, 2e-5);
    size_t want = idx ? nsub : np;
    if (!r.pass)
        tap_diag("%s: %zu of %zu failed; worst at param %zu: analytic %.9g, fd %.9g", name,
                 r.nfailed, r.nchecked, r.worst_i, r.worst_g, r.worst_fd);
    tap_ok(r.pass,
           "mlp %s dropout %g, B=%d: FD of KD total vs backward on %zu of %zu params "
           "(worst rel %.2g, abs %.2g, %.0f%% of tolerance)",
           name, dropout, B, r.nchecked, np, r.worst_rel, r.worst_abs, 100 * r.worst_ratio);
    /* the skips must not hollow the check out */
    tap_ok(r.nskipped * 10 <= want,
           "mlp %s dropout %g: at most 10%% of the FD points skipped for "
           "crossing a ReLU kink (%zu of %zu)",
           name, dropout, r.nskipped, want);
    worst_rel_all = fmax(worst_rel_all, r.worst_rel);
    worst_abs_all = fmax(worst_abs_all, r.worst_abs);

    /* backward overwrites: a second backward of the same forward gives the same gradients */
    nn_kd_loss(ctx_forward(&c), c.t, c.labels, B, C, KD_T, KD_ALPHA, dlogits);
    nn_mlp_backward(m, dlogits, B);
    nn_mlp_backward(m, dlogits, B);
    tap_ok(
        memcmp(grads, nn_mlp_grads(m), sizeof(float) * np) == 0,
        "mlp %s dropout %g: backward twice gives the same gradients (overwritten, not accumulated)",
        name, dropout);
    free(idx), free(dlogits), free(grads), free(c.x), free(c.t), free(c.labels);
    free(c.pattern0), free(c.pattern), free(c.ref_logits);
    nn_mlp_free(m);
}

static void test_gradients(void)
{
    static const int w1[] = {7, 6, 5, 4}, w2[] = {5, 3}, w3[] = {20, 32, 24, 5};
    static const int w4[] = {6, 8, 8, 8, 8, 8, 8, 8, 3};
    check_model(w1, 4, 0.0f, 3, 0, 11);
    check_model(w1, 4, 0.3f, 3, 0, 12);
    check_model(w2, 2, 0.0f, 4, 0, 13);
    check_model(w3, 4, 0.0f, 8, 200, 14);
    check_model(w3, 4, 0.3f, 8, 200, 15);
    check_model(w4, 9, 0.0f, 4, 200, 16);
    check_model(w4, 9, 0.3f, 4, 200, 17);
    tap_diag("mlp FD (eps 3e-3, rtol 1e-2, atol 2e-5): worst rel %.3g, worst abs %.3g",
             worst_rel_all, worst_abs_all);
}

/* ---- forward values, eval mode, layout ---- */

static void test_forward(void)
{
    static const int w[] = {7, 6, 5, 4};
    enum { B = 3 };
    char err[200] = "";
    nn_mlp *m = nn_mlp_new(w, 4, 0.3f, 8, err, sizeof err);
    tap_ok(m != NULL, "nn_mlp_new 7-6-5-4 dropout 0.3 batch 8 %s", err);
    if (!m) return;
    nn_rng rng;
    nn_rng_seed(&rng, 5);
    nn_mlp_init(m, &rng);
    for (int l = 0; l < 3; l++)
        tu_fill_normal(&rng, nn_mlp_bias(m, l), w[l + 1], 0.2f);
    float x[B * 7];
    tu_fill_normal(&rng, x, B * 7, 1.0f);

    double want[B * 4];
    ref_forward(m, x, B, false, want, NULL);
    const float *logits = nn_mlp_forward(m, x, B, false, NULL);
    double d = tu_max_abs_diff_fd(logits, want, B * 4);
    tap_ok(d < 1e-5, "mlp eval forward == double reimplementation from the weights (max diff %.2g)",
           d);
    float eval[B * 4];
    memcpy(eval, logits, sizeof eval);
    logits = nn_mlp_forward(m, x, B, false, NULL);
    tap_ok(memcmp(eval, logits, sizeof eval) == 0,
           "mlp eval forward ignores dropout: twice the same");
    nn_rng_seed(&rng, 1);
    logits = nn_mlp_forward(m, x, B, true, &rng);
    tap_ok(memcmp(eval, logits, sizeof eval) != 0,
           "mlp train forward with dropout 0.3 differs from eval");
    logits = nn_mlp_forward(m, x, 1, false, NULL);
    tap_ok(memcmp(eval, logits, 4 * sizeof(float)) == 0,
           "mlp forward of B=1 gives the first row of B=3");

    /* layout and accessors */
    float *p = nn_mlp_params(m);
    tap_ok(nn_mlp_nparams(m) == 6 * 7 + 6 + 5 * 6 + 5 + 4 * 5 + 4,
           "7-6-5-4 has 107 parameters (%zu)", nn_mlp_nparams(m));
    tap_ok(nn_mlp_weight(m, 0) == p && nn_mlp_bias(m, 0) == p + 42 &&
               nn_mlp_weight(m, 1) == p + 48 && nn_mlp_bias(m, 1) == p + 78 &&
               nn_mlp_weight(m, 2) == p + 83 && nn_mlp_bias(m, 2) == p + 103,
           "parameter block: W0, b0, W1, b1, W2, b2 back to back");
    tap_ok(nn_mlp_nwidths(m) == 4 && memcmp(nn_mlp_widths(m), w, sizeof w) == 0 &&
               nn_mlp_dropout(m) == 0.3f && nn_mlp_max_batch(m) == 8,
           "accessors: nwidths 4, widths 7-6-5-4, dropout 0.3, max_batch 8");
    tap_ok(nn_mlp_grads(m) != NULL && nn_mlp_grads(m) != p, "a separate gradient block");
    nn_mlp_free(m);
    nn_mlp_free(NULL);
}

static void test_init(void)
{
    static const int w[] = {100, 200, 10};
    char err[200];
    nn_mlp *m = nn_mlp_new(w, 3, 0.0f, 1, err, sizeof err),
           *m2 = nn_mlp_new(w, 3, 0.0f, 1, err, sizeof err);
    nn_rng r1, r2;
    nn_rng_seed(&r1, 2024), nn_rng_seed(&r2, 2024);
    nn_mlp_init(m, &r1);
    nn_mlp_init(m2, &r2);
    tap_ok(memcmp(nn_mlp_params(m), nn_mlp_params(m2), sizeof(float) * nn_mlp_nparams(m)) == 0,
           "init with the same seed gives bit-identical parameters");
    for (int l = 0; l < 2; l++) {
        size_t n = (size_t)w[l] * w[l + 1];
        const float *W = nn_mlp_weight(m, l);
        double bound = sqrt(6.0 / w[l]), var = 0, mean = 0, mx = 0;
        for (size_t i = 0; i < n; i++)
            mean += W[i], var += (double)W[i] * W[i], mx = fmax(mx, fabs(W[i]));
        mean /= n, var /= n;
        tap_ok(mx <= bound && mx > 0.95 * bound,
               "init layer %d: |w| <= sqrt(6/fan_in) = %.4f, and reaches it (max %.4f)", l, bound,
               mx);
        tap_ok(fabs(var / (2.0 / w[l]) - 1) < 0.05,
               "init layer %d: var(w) = %.5f ~ 2/fan_in = %.5f (Kaiming, 5%%)", l, var, 2.0 / w[l]);
        tap_ok(fabs(mean) < 0.05 * bound, "init layer %d: mean(w) = %.2g ~ 0", l, mean);
        int zero = 1;
        for (int o = 0; o < w[l + 1]; o++)
            zero &= nn_mlp_bias(m, l)[o] == 0.0f;
        tap_ok(zero, "init layer %d: biases are 0", l);
    }
    nn_mlp_free(m);
    nn_mlp_free(m2);
}

/* ---- argument checks ---- */

static void expect_reject(const int *w, int nw, float dropout, int batch, const char *what,
                          const char *word)
{
    char err[200] = "";
    nn_mlp *m = nn_mlp_new(w, nw, dropout, batch, err, sizeof err);
    tap_ok(m == NULL && err[0] && (!word || strstr(err, word)), "nn_mlp_new rejects %s: \"%s\"",
           what, err);
    nn_mlp_free(m);
}

static void test_new_args(void)
{
    static const int ok[] = {4, 3, 2}, one[] = {784}, zero[] = {784, 0}, neg[] = {-5, 10};
    static const int huge[] = {784, (1 << 20) + 1}, ten[] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
    expect_reject(one, 1, 0.0f, 8, "a single width", "widths");
    expect_reject(ten, NN_MAX_LAYERS + 2, 0.0f, 8, "10 widths (9 at most)", "widths");
    expect_reject(zero, 2, 0.0f, 8, "a width of 0", "0");
    expect_reject(neg, 2, 0.0f, 8, "a width of -5", "-5");
    expect_reject(huge, 2, 0.0f, 8, "a width over 2^20", NULL);
    expect_reject(ok, 3, -0.1f, 8, "dropout -0.1", "dropout");
    expect_reject(ok, 3, 1.0f, 8, "dropout 1", "dropout");
    expect_reject(ok, 3, NAN, 8, "dropout NaN", "dropout");
    expect_reject(ok, 3, 0.5f, 0, "batch 0", "batch");
    expect_reject(ok, 3, 0.5f, -3, "batch -3", "batch");
    char err[200];
    nn_mlp *m = nn_mlp_new(ten, NN_MAX_LAYERS + 1, 0.99f, 1, err, sizeof err);
    tap_ok(m != NULL, "nn_mlp_new accepts 9 widths, dropout 0.99, batch 1");
    nn_mlp_free(m);
}

/* ---- widths strings ---- */

static void test_widths(void)
{
    int w[NN_MAX_LAYERS + 1];
    char err[200] = "";
    int n = nn_parse_widths("784-1200-1200-10", w, NN_MAX_LAYERS + 1, err, sizeof err);
    tap_ok(n == 4 && w[0] == 784 && w[1] == 1200 && w[2] == 1200 && w[3] == 10,
           "parse \"784-1200-1200-10\" -> 4 widths 784 1200 1200 10");
    n = nn_parse_widths("2-3", w, NN_MAX_LAYERS + 1, err, sizeof err);
    tap_ok(n == 2 && w[0] == 2 && w[1] == 3, "parse \"2-3\" -> 2 widths");
    n = nn_parse_widths("1-2-3-4-5-6-7-8-9", w, NN_MAX_LAYERS + 1, err, sizeof err);
    tap_ok(n == 9 && w[8] == 9, "parse 9 widths (the most) -> 9");

    static const char *bad[] = {"",
                                "784",
                                "784-",
                                "784--10",
                                "a-b",
                                "0-10",
                                "784-10x",
                                "1-2-3-4-5-6-7-8-9-10",
                                "-784-10",
                                "784-10-",
                                "784-2000000",
                                "784_10",
                                "99999999999999999999-10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        n = nn_parse_widths(bad[i], w, NN_MAX_LAYERS + 1, err, sizeof err);
        /* the message names what was found: the input itself */
        tap_ok(n == -1 && err[0] && strstr(err, bad[i]), "parse rejects \"%s\": %s", bad[i], err);
    }
    n = nn_parse_widths("784-10", w, 1, err, sizeof err);
    tap_ok(n == -1 && err[0], "parse rejects 2 widths when cap is 1: %s", err);

    char buf[64];
    static const int fw[] = {784, 1200, 1200, 10};
    nn_format_widths(fw, 4, buf, sizeof buf);
    tap_ok(strcmp(buf, "784-1200-1200-10") == 0, "format 784 1200 1200 10 -> \"%s\"", buf);
    n = nn_parse_widths(buf, w, NN_MAX_LAYERS + 1, err, sizeof err);
    tap_ok(n == 4 && memcmp(w, fw, sizeof fw) == 0, "format then parse round-trips");
    memset(buf, 'Z', sizeof buf);
    nn_format_widths(fw, 4, buf, 8);
    tap_ok(strcmp(buf, "784-120") == 0 && buf[8] == 'Z',
           "format into 8 bytes truncates to \"%s\", NUL-terminated, "
           "nothing past the buffer",
           buf);
    nn_format_widths(fw, 4, buf, 1);
    tap_ok(buf[0] == '\0', "format into 1 byte gives \"\"");
    nn_format_widths(fw, 1, buf, sizeof buf);
    tap_ok(strcmp(buf, "784") == 0, "format one width -> \"784\"");
}

/* ---- learning ---- */

/* two classes in 2-D split by the line x0 + 2 x1 = 0.5, with a margin of 0.2 around it */
static void toy_point(nn_rng *rng, float *x, int *y)
{
    for (;;) {
        x[0] = 4 * nn_rng_uniform(rng) - 2, x[1] = 4 * nn_rng_uniform(rng) - 2;
        float d = (x[0] + 2 * x[1] - 0.5f) / sqrtf(5.0f);
        if (fabsf(d) < 0.2f) continue;
        *y = d > 0;
        return;
    }
}

enum { TB = 32, TSTEPS = 200, NTEST = 1000 };

/* trains a 2-16-16-2 model from seed; returns the test accuracy; params copied to out if not NULL
 */
static double train_toy(uint64_t seed, float dropout, double *loss0, double *loss1, float *out,
                        size_t *np)
{
    static const int w[] = {2, 16, 16, 2};
    char err[200];
    nn_mlp *m = nn_mlp_new(w, 4, dropout, TB, err, sizeof err);
    nn_rng rng, data;
    nn_rng_seed(&rng, seed);
    nn_rng_seed(&data, 7);
    nn_mlp_init(m, &rng);
    nn_optim_config cfg = nn_optim_defaults(NN_OPTIM_ADAM);
    nn_optim *o = nn_optim_new(&cfg, nn_mlp_nparams(m));
    float x[TB * 2], g[TB * 2];
    int y[TB];
    double first = 0, last = 0;
    for (int step = 0; step < TSTEPS; step++) {
        for (int i = 0; i < TB; i++)
            toy_point(&data, x + 2 * i, y + i);
        const float *logits = nn_mlp_forward(m, x, TB, true, &rng);
        double L = nn_cross_entropy(logits, y, TB, 2, g);
        nn_mlp_backward(m, g, TB);
        nn_optim_step(o, nn_mlp_params(m), nn_mlp_grads(m), 0.01f);
        if (step < 10) first += L / 10;
        if (step >= TSTEPS - 10) last += L / 10;
    }
    int correct = 0;
    for (int k = 0; k < NTEST; k++) {
        float xt[2];
        int yt;
        toy_point(&data, xt, &yt);
        correct += nn_argmax(nn_mlp_forward(m, xt, 1, false, NULL), 2) == yt;
    }
    if (loss0) *loss0 = first, *loss1 = last;
    if (out) memcpy(out, nn_mlp_params(m), sizeof(float) * nn_mlp_nparams(m));
    if (np) *np = nn_mlp_nparams(m);
    nn_optim_free(o);
    nn_mlp_free(m);
    return correct / (double)NTEST;
}

static void test_training(void)
{
    double l0, l1;
    double acc = train_toy(3, 0.0f, &l0, &l1, NULL, NULL);
    tap_ok(acc > 0.95,
           "2-16-16-2 trained with Adam (lr 0.01, 200 steps of 32) on a separable toy "
           "problem: test accuracy %.3f > 0.95",
           acc);
    tap_ok(l1 < 0.5 * l0,
           "training loss falls by half or more: %.4f (first 10 steps) -> %.4f (last 10)", l0, l1);

    /* determinism: same seed, same data, dropout 0.3 -> bit-identical parameters */
    size_t np;
    train_toy(3, 0.3f, NULL, NULL, NULL, &np);
    float *a = malloc(sizeof(float) * np), *b = malloc(sizeof(float) * np),
          *c = malloc(sizeof(float) * np);
    double acc_a = train_toy(42, 0.3f, NULL, NULL, a, NULL);
    double acc_b = train_toy(42, 0.3f, NULL, NULL, b, NULL);
    train_toy(43, 0.3f, NULL, NULL, c, NULL);
    tap_ok(memcmp(a, b, sizeof(float) * np) == 0 && acc_a == acc_b,
           "two runs with seed 42 (init, dropout, Adam) give bit-identical parameters");
    tap_ok(memcmp(a, c, sizeof(float) * np) != 0, "a run with seed 43 gives different parameters");
    tap_close(acc_a, acc_b, 0, "two runs with seed 42 have the same test accuracy");
    free(a), free(b), free(c);
}

int main(void)
{
    test_gradients();
    test_forward();
    test_init();
    test_new_args();
    test_widths();
    test_training();
    return tap_done();
}

/* test_optim: SGD with momentum and AdamW against PyTorch's update rules, number by number.
 *
 * The expected parameters after each of 3 steps are literals, computed in float64 by the
 * Python transcription of the algorithms in PyTorch's docs (torch.optim.SGD, torch.optim.AdamW)
 * quoted below; a double-precision C reimplementation of the same formulas is checked against
 * the literals too, and then used for a learning-rate schedule. The optimizer runs in float, so
 * the tolerance is 1e-6 absolute on parameters of size ~1.
 *
 *   p0 = [1, -2, 0.5]; grads g1 = [0.1, -0.2, 0.3], g2 = [-0.4, 0.5, 0], g3 = [0.25, 0.1, -0.6]
 *   SGD (lr 0.1, momentum 0.9, weight_decay 0.01, dampening 0, no nesterov):
 *     d = g + wd*p; buf = d on step 1, else buf = mu*buf + d; p -= lr*buf
 *   AdamW (lr 0.1, betas 0.9/0.999, eps 1e-8, weight_decay 0.01):
 *     p *= 1 - lr*wd; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
 *     p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
 *
 * Also: the lr argument overrides cfg.lr, a per-step lr schedule is followed, nn_optim_steps
 * counts, a zero gradient under AdamW only decays the weight (no 0/0), the defaults and names. */
#include <math.h>
#include <string.h>

#include "distillery/nn_optim.h"
#include "tap.h"
#include "testutil.h"

enum { N = 3, STEPS = 3 };

static const double P0[N] = {1.0, -2.0, 0.5};
static const double G[STEPS][N] = {{0.1, -0.2, 0.3}, {-0.4, 0.5, 0.0}, {0.25, 0.1, -0.6}};

/* float64 results of the Python transcription above, %.17g */
static const double SGD_WANT[STEPS][N] = {
    {0.98899999999999999, -1.978, 0.46950000000000003},
    {1.018111, -2.0062220000000002, 0.44158050000000004},
    {1.018292789, -2.0396155780000003, 0.4760113695},
};
static const double ADAMW_WANT[STEPS][N] = {
    {0.89900000999999907, -1.8980000049999997, 0.39950000333333324},
    {0.95405135747512848, -1.9403235302122328, 0.33209468107582119},
    {0.95694082329632379, -1.9836608904593445, 0.36576603255594392},
};

/* the double-precision reimplementation, one step; t counts from 1 */
static void sgd_ref(double *p, double *buf, const double *g, int t, double lr, double mu, double wd)
{
    for (int i = 0; i < N; i++) {
        double d = g[i] + wd * p[i];
        buf[i] = t == 1 ? d : mu * buf[i] + d;
        p[i] -= lr * buf[i];
    }
}

static void adamw_ref(double *p, double *m, double *v, const double *g, int t, double lr, double b1,
                      double b2, double eps, double wd)
{
    double bc1 = 1 - pow(b1, t), bc2 = 1 - pow(b2, t);
    for (int i = 0; i < N; i++) {
        p[i] *= 1 - lr * wd;
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        p[i] -= lr / bc1 * m[i] / (sqrt(v[i]) / sqrt(bc2) + eps);
    }
}

static double max_diff(const float *p, const double *want)
{
    return tu_max_abs_diff_fd(p, want, N);
}

static void test_sgd(void)
{
    nn_optim_config cfg = nn_optim_defaults(NN_OPTIM_SGD);
    cfg.lr = 7.0f; /* must be ignored: the step's lr argument wins */
    cfg.momentum = 0.9f;
    cfg.weight_decay = 0.01f;
    nn_optim *o = nn_optim_new(&cfg, N);
    tap_ok(o != NULL, "sgd: nn_optim_new for 3 parameters");
    tap_ok(nn_optim_steps(o) == 0, "sgd: 0 steps before the first");
    float p[N], g[N];
    double rp[N], rbuf[N];
    for (int i = 0; i < N; i++)
        p[i] = (float)P0[i], rp[i] = P0[i];
    for (int t = 1; t <= STEPS; t++) {
        for (int i = 0; i < N; i++)
            g[i] = (float)G[t - 1][i];
        nn_optim_step(o, p, g, 0.1f);
        sgd_ref(rp, rbuf, G[t - 1], t, 0.1, 0.9, 0.01);
        double d = max_diff(p, SGD_WANT[t - 1]);
        tap_ok(d < 1e-6,
               "sgd momentum 0.9 wd 0.01 lr 0.1 (cfg.lr 7 ignored), step %d: params == "
               "PyTorch's within 1e-6 (max diff %.2g)",
               t, d);
        double dr = 0;
        for (int i = 0; i < N; i++)
            dr = fmax(dr, fabs(rp[i] - SGD_WANT[t - 1][i]));
        tap_ok(dr < 1e-12, "sgd reference reimplementation, step %d: == the literals (%.2g)", t,
               dr);
        tap_ok(nn_optim_steps(o) == t, "sgd: nn_optim_steps == %d after %d steps", t, t);
    }
    tap_close(p[0], 1.018292789, 1e-6, "sgd: p[0] after 3 steps = 1.018292789");
    nn_optim_free(o);

    /* a schedule: lr 0.1, 0.05, 0.2 */
    static const float lrs[STEPS] = {0.1f, 0.05f, 0.2f};
    o = nn_optim_new(&cfg, N);
    for (int i = 0; i < N; i++)
        p[i] = (float)P0[i], rp[i] = P0[i];
    double d = 0;
    for (int t = 1; t <= STEPS; t++) {
        for (int i = 0; i < N; i++)
            g[i] = (float)G[t - 1][i];
        nn_optim_step(o, p, g, lrs[t - 1]);
        sgd_ref(rp, rbuf, G[t - 1], t, lrs[t - 1], 0.9, 0.01);
        d = fmax(d, tu_max_abs_diff_fd(p, rp, N));
    }
    tap_ok(d < 1e-6, "sgd follows the per-step lr 0.1, 0.05, 0.2 within 1e-6 (max diff %.2g)", d);
    nn_optim_free(o);

    /* no momentum, no decay: plain p -= lr * g */
    cfg.momentum = 0.0f, cfg.weight_decay = 0.0f;
    o = nn_optim_new(&cfg, N);
    float q[N] = {1.0f, 2.0f, 3.0f}, gq[N] = {0.5f, -1.0f, 0.0f};
    nn_optim_step(o, q, gq, 0.5f);
    nn_optim_step(o, q, gq, 0.5f);
    tap_ok(q[0] == 0.5f && q[1] == 3.0f && q[2] == 3.0f,
           "sgd without momentum: two steps of p -= 0.5 * g give [0.5, 3, 3]");
    nn_optim_free(o);
}

static void test_adamw(void)
{
    nn_optim_config cfg = nn_optim_defaults(NN_OPTIM_ADAM);
    cfg.lr = 0.5f; /* ignored, as above */
    cfg.weight_decay = 0.01f;
    nn_optim *o = nn_optim_new(&cfg, N);
    tap_ok(o != NULL, "adamw: nn_optim_new for 3 parameters");
    float p[N], g[N];
    double rp[N], rm[N] = {0}, rv[N] = {0};
    for (int i = 0; i < N; i++)
        p[i] = (float)P0[i], rp[i] = P0[i];
    for (int t = 1; t <= STEPS; t++) {
        for (int i = 0; i < N; i++)
            g[i] = (float)G[t - 1][i];
        nn_optim_step(o, p, g, 0.1f);
        adamw_ref(rp, rm, rv, G[t - 1], t, 0.1, 0.9, 0.999, 1e-8, 0.01);
        double d = max_diff(p, ADAMW_WANT[t - 1]);
        tap_ok(d < 1e-6,
               "adamw lr 0.1 betas 0.9/0.999 eps 1e-8 wd 0.01 (cfg.lr 0.5 ignored), step %d: "
               "params == PyTorch's within 1e-6 (max diff %.2g)",
               t, d);
        double dr = 0;
        for (int i = 0; i < N; i++)
            dr = fmax(dr, fabs(rp[i] - ADAMW_WANT[t - 1][i]));
        tap_ok(dr < 1e-12, "adamw reference reimplementation, step %d: == the literals (%.2g)", t,
               dr);
        tap_ok(nn_optim_steps(o) == t, "adamw: nn_optim_steps == %d after %d steps", t, t);
    }
    /* step 1 by hand: mhat = g, vhat = g^2, so p = 1 * (1 - 0.001) - 0.1 * 0.1 / (0.1 + 1e-8) */
    tap_close(ADAMW_WANT[0][0], 0.999 - 0.01 / (0.1 + 1e-8), 1e-12,
              "adamw literal for step 1 matches the hand computation");
    nn_optim_free(o);

    /* the decoupled decay comes before the Adam step, at the step's lr: a zero gradient only
     * decays, p = p0 * (1 - lr*wd)^3, with no 0/0 */
    o = nn_optim_new(&cfg, 1);
    float z = 2.0f, gz = 0.0f;
    for (int t = 0; t < 3; t++)
        nn_optim_step(o, &z, &gz, 0.1f);
    tap_close(z, 2.0 * pow(1 - 0.1 * 0.01, 3), 1e-6,
              "adamw: a zero gradient only decays, p = 2 * 0.999^3");
    nn_optim_free(o);

    /* a schedule: lr 0.1, 0.05, 0.2 */
    static const float lrs[STEPS] = {0.1f, 0.05f, 0.2f};
    o = nn_optim_new(&cfg, N);
    memset(rm, 0, sizeof rm), memset(rv, 0, sizeof rv);
    for (int i = 0; i < N; i++)
        p[i] = (float)P0[i], rp[i] = P0[i];
    double d = 0;
    for (int t = 1; t <= STEPS; t++) {
        for (int i = 0; i < N; i++)
            g[i] = (float)G[t - 1][i];
        nn_optim_step(o, p, g, lrs[t - 1]);
        adamw_ref(rp, rm, rv, G[t - 1], t, lrs[t - 1], 0.9, 0.999, 1e-8, 0.01);
        d = fmax(d, tu_max_abs_diff_fd(p, rp, N));
    }
    tap_ok(d < 1e-6, "adamw follows the per-step lr 0.1, 0.05, 0.2 within 1e-6 (max diff %.2g)", d);
    tap_ok(nn_optim_steps(o) == 3, "adamw: nn_optim_steps == 3 on a second optimizer");
    nn_optim_free(o);
}

static void test_defaults(void)
{
    nn_optim_config a = nn_optim_defaults(NN_OPTIM_ADAM), s = nn_optim_defaults(NN_OPTIM_SGD);
    tap_ok(a.kind == NN_OPTIM_ADAM && a.lr == 1e-3f && a.beta1 == 0.9f && a.beta2 == 0.999f &&
               a.eps == 1e-8f && a.weight_decay == 0.0f,
           "adam defaults: lr 1e-3, betas 0.9/0.999, eps 1e-8, wd 0");
    tap_ok(s.kind == NN_OPTIM_SGD && s.lr == 0.05f && s.momentum == 0.9f && s.weight_decay == 0.0f,
           "sgd defaults: lr 0.05, momentum 0.9, wd 0");
    tap_ok(strcmp(nn_optim_name(NN_OPTIM_SGD), "sgd") == 0 &&
               strcmp(nn_optim_name(NN_OPTIM_ADAM), "adam") == 0,
           "nn_optim_name: sgd, adam");
    nn_optim_free(NULL);
    tap_diag("nn_optim_free(NULL) is a no-op");
}

int main(void)
{
    test_sgd();
    test_adamw();
    test_defaults();
    return tap_done();
}

/* test_gemm: nn_gemm (OpenBLAS) held against nn_gemm_ref (plain loops, double accumulation).
 *
 * Every matrix product of the project goes through nn_gemm, so a wrong transpose flag, leading
 * dimension or beta handling here would be wrong everywhere. The shapes are odd on purpose
 * (1x1x1, K = 1, N = 1, sizes just past powers of two) so that BLAS kernel edges are hit, and
 * each shape runs with all four transpose combinations, leading dimensions larger than the
 * minimum, alpha != 1, and beta in {0, 1, 0.5}. With beta = 0, C starts as NaN: BLAS must ignore
 * it. The padding between rows of C is filled with a sentinel that must survive.
 *
 * Tolerance: |C - Cref| <= 1e-5 * scale, where scale = |alpha| * |op(A)| |op(B)| + |beta| |C0|
 * elementwise (the reference run on absolute values), i.e. relative to the size of the terms
 * summed, so that cancellation cannot make a correct result look wrong.
 *
 * Also: the trace records calls (shapes, flags, beta) and counts past its cap, stops when
 * cleared; nn_set_threads / nn_get_threads round trip. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "distillery/nn_gemm.h"
#include "distillery/nn_layers.h"
#include "tap.h"
#include "testutil.h"

#define SENTINEL 12345.0f

typedef struct shape {
    int M, N, K;
} shape;

static const shape shapes[] = {
    {1, 1, 1},     {3, 5, 7},    {17, 1, 33}, {1, 19, 1},   {33, 17, 1},
    {129, 65, 31}, {64, 1, 200}, {2, 257, 3}, {31, 33, 65},
};

/* One comparison of nn_gemm against nn_gemm_ref; returns the worst |C - Cref| / scale and
 * whether the padding of C was left alone, through *pad_ok. */
static double check_one(nn_rng *rng, bool ta, bool tb, shape s, float alpha, float beta,
                        bool *pad_ok)
{
    int M = s.M, N = s.N, K = s.K;
    /* stored shapes: A is (M,K) or, transposed, (K,M); B is (K,N) or (N,K) */
    int arows = ta ? K : M, acols = ta ? M : K;
    int brows = tb ? N : K, bcols = tb ? K : N;
    int lda = acols + 3, ldb = bcols + 2, ldc = N + 5;
    size_t na = (size_t)arows * lda, nb = (size_t)brows * ldb, nc = (size_t)M * ldc;
    float *A = malloc(na * sizeof(float)), *B = malloc(nb * sizeof(float));
    float *C = malloc(nc * sizeof(float)), *Cref = malloc(nc * sizeof(float));
    float *Aabs = malloc(na * sizeof(float)), *Babs = malloc(nb * sizeof(float));
    float *Cabs = malloc(nc * sizeof(float));
    tu_fill_normal(rng, A, na, 1.0f);
    tu_fill_normal(rng, B, nb, 1.0f);
    for (size_t i = 0; i < nc; i++) {
        size_t col = i % (size_t)ldc;
        if (col >= (size_t)N)
            C[i] = SENTINEL;
        else
            C[i] = beta == 0.0f ? NAN : nn_rng_normal(rng);
    }
    memcpy(Cref, C, nc * sizeof(float));
    for (size_t i = 0; i < na; i++)
        Aabs[i] = fabsf(A[i]);
    for (size_t i = 0; i < nb; i++)
        Babs[i] = fabsf(B[i]);
    for (size_t i = 0; i < nc; i++)
        Cabs[i] = fabsf(C[i]);

    nn_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    nn_gemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, Cref, ldc);
    nn_gemm_ref(ta, tb, M, N, K, fabsf(alpha), Aabs, lda, Babs, ldb, fabsf(beta), Cabs, ldc);

    double worst = 0;
    *pad_ok = true;
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < ldc; j++) {
            size_t at = (size_t)i * ldc + j;
            if (j >= N) {
                if (C[at] != SENTINEL || Cref[at] != SENTINEL) *pad_ok = false;
                continue;
            }
            double err = fabs((double)C[at] - (double)Cref[at]);
            double scale = (double)Cabs[at] > 1e-30 ? (double)Cabs[at] : 1e-30;
            double rel = isnan(err) ? INFINITY : err / scale;
            if (rel > worst) worst = rel;
        }
    }
    free(A), free(B), free(C), free(Cref), free(Aabs), free(Babs), free(Cabs);
    return worst;
}

/* A tiny product worked by hand, so the reference itself is checked against known numbers:
 * A (2,3) = [1 2 3; 4 5 6], B (3,2) = [7 8; 9 10; 11 12], A B = [58 64; 139 154]. */
static void test_known_values(void)
{
    const float A[6] = {1, 2, 3, 4, 5, 6}, B[6] = {7, 8, 9, 10, 11, 12};
    const float At[6] = {1, 4, 2, 5, 3, 6}, Bt[6] = {7, 9, 11, 8, 10, 12};
    const float want[4] = {58, 64, 139, 154};
    float C[4], Cr[4];
    nn_gemm(false, false, 2, 2, 3, 1.0f, A, 3, B, 2, 0.0f, C, 2);
    nn_gemm_ref(false, false, 2, 2, 3, 1.0f, A, 3, B, 2, 0.0f, Cr, 2);
    tap_ok(tu_max_abs_diff(C, want, 4) == 0,
           "nn_gemm: [1 2 3;4 5 6][7 8;9 10;11 12] = [58 64;139 154]");
    tap_ok(tu_max_abs_diff(Cr, want, 4) == 0, "nn_gemm_ref: the same product by hand");
    nn_gemm(true, true, 2, 2, 3, 1.0f, At, 2, Bt, 3, 0.0f, C, 2);
    nn_gemm_ref(true, true, 2, 2, 3, 1.0f, At, 2, Bt, 3, 0.0f, Cr, 2);
    tap_ok(tu_max_abs_diff(C, want, 4) == 0,
           "nn_gemm: the same product from A^T, B^T (ta = tb = 1)");
    tap_ok(tu_max_abs_diff(Cr, want, 4) == 0, "nn_gemm_ref: the same product from A^T, B^T");
    /* beta = 1 accumulates, alpha scales: C = 0.5 * A B + 1 * [1 1; 1 1] */
    for (int i = 0; i < 4; i++)
        C[i] = Cr[i] = 1.0f;
    const float want2[4] = {30, 33, 70.5f, 78};
    nn_gemm(false, false, 2, 2, 3, 0.5f, A, 3, B, 2, 1.0f, C, 2);
    nn_gemm_ref(false, false, 2, 2, 3, 0.5f, A, 3, B, 2, 1.0f, Cr, 2);
    tap_ok(tu_max_abs_diff(C, want2, 4) == 0,
           "nn_gemm: alpha 0.5, beta 1 on ones gives [30 33;70.5 78]");
    tap_ok(tu_max_abs_diff(Cr, want2, 4) == 0, "nn_gemm_ref: alpha 0.5, beta 1 on ones");
    /* beta = 0.5 halves what C held: C = 1 * A B + 0.5 * want2 */
    nn_gemm(false, false, 2, 2, 3, 1.0f, A, 3, B, 2, 0.5f, C, 2);
    tap_close(C[2], 139 + 35.25, 0, "nn_gemm: alpha 1, beta 0.5: C[1][0] = 139 + 70.5 / 2");
}

static void test_against_ref(nn_rng *rng)
{
    static const float betas[] = {0.0f, 1.0f, 0.5f};
    double worst_all = 0;
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        shape s = shapes[si];
        for (int t = 0; t < 4; t++) {
            bool ta = t & 1, tb = t >> 1;
            for (int bi = 0; bi < 3; bi++) {
                float alpha = bi == 1 ? -0.75f : 1.5f, beta = betas[bi];
                bool pad_ok;
                double rel = check_one(rng, ta, tb, s, alpha, beta, &pad_ok);
                if (rel > worst_all) worst_all = rel;
                if (rel > 1e-5) tap_diag("worst |C - Cref| / scale = %.3g", rel);
                tap_ok(rel <= 1e-5 && pad_ok,
                       "nn_gemm == nn_gemm_ref within 1e-5 (scaled), padding of C untouched: "
                       "M=%d N=%d K=%d ta=%d tb=%d alpha=%g beta=%g",
                       s.M, s.N, s.K, ta, tb, alpha, beta);
            }
        }
    }
    tap_diag("worst scaled error of nn_gemm against nn_gemm_ref: %.3g", worst_all);
}

static void test_trace(void)
{
    nn_gemm_call calls[3]; /* cap 2: calls[2] must stay as it is */
    nn_gemm_trace tr = {calls, 2, 0};
    calls[2] = (nn_gemm_call){false, false, -7, -7, -7, -7.0f};
    float A[12] = {0}, B[12] = {0}, C[12] = {0};
    nn_gemm_set_trace(&tr);
    nn_gemm(false, true, 2, 3, 4, 1.0f, A, 4, B, 4, 0.0f, C, 3);
    nn_gemm(true, false, 3, 2, 1, 1.0f, A, 3, B, 2, 1.0f, C, 2);
    nn_gemm(false, false, 1, 1, 1, 1.0f, A, 1, B, 1, 0.5f, C, 1);
    tap_ok(tr.n == 3, "trace: counts 3 calls with cap 2 (got %d)", tr.n);
    tap_ok(calls[2].M == -7 && calls[2].beta == -7.0f, "trace: nothing is stored past cap");
    tap_ok(!calls[0].ta && calls[0].tb && calls[0].M == 2 && calls[0].N == 3 && calls[0].K == 4 &&
               calls[0].beta == 0.0f,
           "trace: first call stored as ta=0 tb=1 M=2 N=3 K=4 beta=0");
    tap_ok(calls[1].ta && !calls[1].tb && calls[1].M == 3 && calls[1].N == 2 && calls[1].K == 1 &&
               calls[1].beta == 1.0f,
           "trace: second call stored as ta=1 tb=0 M=3 N=2 K=1 beta=1");
    nn_gemm_set_trace(NULL);
    nn_gemm(false, false, 1, 1, 1, 1.0f, A, 1, B, 1, 0.0f, C, 1);
    tap_ok(tr.n == 3, "trace: nothing is counted once the trace is cleared (n = %d)", tr.n);

    /* a layer's forward goes through nn_gemm too: out (B,O) = inp (B,I) w^T, accumulated on b */
    nn_gemm_call one[4];
    nn_gemm_trace lt = {one, 4, 0};
    float inp[2 * 3] = {0}, w[4 * 3] = {0}, b[4] = {0}, out[2 * 4];
    nn_gemm_set_trace(&lt);
    nn_linear_forward(out, inp, w, b, 2, 3, 4);
    nn_gemm_set_trace(NULL);
    tap_ok(lt.n == 1 && !one[0].ta && one[0].tb && one[0].M == 2 && one[0].N == 4 &&
               one[0].K == 3 && one[0].beta == 1.0f,
           "trace: nn_linear_forward(B=2, I=3, O=4) is one GEMM M=2 N=4 K=3, B transposed, beta 1");
}

static void test_threads(nn_rng *rng)
{
    int before = nn_get_threads();
    tap_ok(before >= 1, "nn_get_threads: at least 1 (got %d)", before);
    nn_set_threads(2);
    tap_ok(nn_get_threads() == 2, "nn_set_threads(2) then nn_get_threads() == 2 (got %d)",
           nn_get_threads());
    bool pad_ok;
    double rel = check_one(rng, false, true, (shape){257, 129, 65}, 1.0f, 0.0f, &pad_ok);
    tap_ok(rel <= 1e-5 && pad_ok, "nn_gemm with 2 threads == reference (257x129x65), err %.3g",
           rel);
    nn_set_threads(1);
    tap_ok(nn_get_threads() == 1, "nn_set_threads(1) then nn_get_threads() == 1 (got %d)",
           nn_get_threads());
    nn_set_threads(0);
    tap_ok(nn_get_threads() == 1, "nn_set_threads(0) is clamped to 1 (got %d)", nn_get_threads());
    nn_set_threads(before);
    tap_ok(nn_get_threads() == before, "nn_set_threads restores the original count %d", before);
}

int main(void)
{
    nn_rng rng;
    nn_rng_seed(&rng, 20240601);
    test_known_values();
    test_against_ref(&rng);
    test_trace();
    test_threads(&rng);
    return tap_done();
}

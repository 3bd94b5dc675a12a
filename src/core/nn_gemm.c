/* nn_gemm: every matrix product of the project goes through nn_gemm (OpenBLAS's cblas_sgemm);
 * nn_gemm_ref is the plain-loop reference the tests hold it against. */
#include "distillery/nn_gemm.h"

#include <cblas.h>

static nn_gemm_trace *trace;

void nn_gemm(bool ta, bool tb, int M, int N, int K, float alpha, const float *A, int lda,
             const float *B, int ldb, float beta, float *C, int ldc)
{
    if (trace) {
        if (trace->n < trace->cap)
            trace->calls[trace->n] = (nn_gemm_call){ta, tb, M, N, K, beta};
        trace->n++;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M,
                N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void nn_gemm_ref(bool ta, bool tb, int M, int N, int K, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double acc = 0;
            for (int k = 0; k < K; k++) {
                float a = ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                float b = tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                acc += (double)a * b;
            }
            float *c = &C[(size_t)i * ldc + j];
            /* beta == 0 ignores C, as BLAS does, so an uninitialised C is fine */
            *c = (float)(alpha * acc + (beta == 0 ? 0.0 : (double)beta * *c));
        }
}

void nn_set_threads(int n)
{
    openblas_set_num_threads(n < 1 ? 1 : n);
}

int nn_get_threads(void)
{
    return openblas_get_num_threads();
}

void nn_gemm_set_trace(nn_gemm_trace *t)
{
    trace = t;
}

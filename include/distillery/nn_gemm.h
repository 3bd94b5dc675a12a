/* nn_gemm: the one entry point for matrix products (cblas_sgemm), with a naive reference kept
 * alongside so the two can be held against each other. Row-major throughout. */
#ifndef DISTILLERY_NN_GEMM_H
#define DISTILLERY_NN_GEMM_H

#include <stdbool.h>
#include <stddef.h>

/* C (M,N) = alpha * op(A) op(B) + beta * C, op(A) (M,K), op(B) (K,N); ta/tb transpose A/B. */
void nn_gemm(bool ta, bool tb, int M, int N, int K, float alpha, const float *A, int lda,
             const float *B, int ldb, float beta, float *C, int ldc);
/* Same contract, plain loops in double precision accumulation. */
void nn_gemm_ref(bool ta, bool tb, int M, int N, int K, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc);

/* Threads used inside each GEMM (OpenBLAS's own pool); n >= 1. */
void nn_set_threads(int n);
int nn_get_threads(void);

/* A trace records the shapes of the GEMM calls made while it is set, so a benchmark can replay
 * exactly the same calls alone. Calls past cap are counted but not stored. */
typedef struct nn_gemm_call {
    bool ta, tb;
    int M, N, K;
    float beta;
} nn_gemm_call;

typedef struct nn_gemm_trace {
    nn_gemm_call *calls; /* borrowed, cap entries */
    int cap, n;
} nn_gemm_trace;

/* Start (t != NULL) or stop (t == NULL) recording; borrowed until stopped. */
void nn_gemm_set_trace(nn_gemm_trace *t);

#endif

/* bench: samples per second of the real trainer's steps on reference workloads, beside the time
 * of the very same GEMM calls alone (recorded with a trace, then replayed on buffers of the same
 * shapes), at 1 and 2 threads. Each is the median over the timed steps. The gap between the two is everything that is not a matrix
 * product: data conversion, activations, the loss, the optimizer.
 *   teacher train   784-1200-1200-10, batch 128
 *   teacher cache   the same teacher's forward pass over the transfer set, chunks of 256
 *   distil          student 784-128-10, batch 128, from cached logits, without and with baseline */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "distillery/nn_gemm.h"
#include "distillery/train.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Replay the traced calls step by step, three times over; the median seconds of a step. */
static double gemm_only(const nn_gemm_trace *tr, const int *first, int steps)
{
    size_t amax = 1, bmax = 1, cmax = 1;
    for (int i = 0; i < tr->n && i < tr->cap; i++) {
        const nn_gemm_call *g = &tr->calls[i];
        size_t a = (size_t)g->M * g->K, b = (size_t)g->K * g->N, c = (size_t)g->M * g->N;
        amax = a > amax ? a : amax, bmax = b > bmax ? b : bmax, cmax = c > cmax ? c : cmax;
    }
    float *A = calloc(amax, 4), *B = calloc(bmax, 4), *C = calloc(cmax, 4);
    for (size_t i = 0; i < amax; i++) A[i] = (float)(i % 7) * 0.01f;
    for (size_t i = 0; i < bmax; i++) B[i] = (float)(i % 5) * 0.01f;
    double *t = malloc(sizeof(double) * 3 * steps);
    for (int r = 0; r < 3; r++)
        for (int s = 0; s < steps; s++) {
            double t0 = now();
            for (int i = first[s]; i < first[s + 1] && i < tr->cap; i++) {
                const nn_gemm_call *g = &tr->calls[i];
                nn_gemm(g->ta, g->tb, g->M, g->N, g->K, 1.0f, A, g->ta ? g->M : g->K, B,
                        g->tb ? g->K : g->N, g->beta, C, g->N);
            }
            t[r * steps + s] = now() - t0;
        }
    double m = median(t, 3 * steps);
    free(A), free(B), free(C), free(t);
    return m;
}

typedef struct result {
    double step_s, gemm_s; /* median seconds of one step, and of its GEMM calls alone */
    int batch;             /* samples per step */
} result;

#define MAX_STEPS 200

/* Time `steps` steps of phase `phase` one by one (after `warm` untimed ones), recording their
 * GEMM calls; then replay those calls alone. Medians, so a hiccup of the machine counts for
 * neither side. */
static result measure(train *t, train_phase phase, int warm, int steps)
{
    train_state s;
    do train_get_state(t, &s);
    while (s.phase != phase && train_step(t) == 1);
    for (int i = 0; i < warm; i++) train_step(t);
    static nn_gemm_call calls[8192];
    static int first[MAX_STEPS + 1];
    double times[MAX_STEPS];
    nn_gemm_trace tr = {calls, 8192, 0};
    train_get_state(t, &s);
    long s0 = s.samples;
    nn_gemm_set_trace(&tr);
    for (int i = 0; i < steps; i++) {
        first[i] = tr.n;
        double t0 = now();
        train_step(t);
        times[i] = now() - t0;
    }
    first[steps] = tr.n;
    nn_gemm_set_trace(NULL);
    train_get_state(t, &s);
    result r = {median(times, steps), gemm_only(&tr, first, steps), (int)((s.samples - s0) / steps)};
    return r;
}

static void report(const char *what, int threads, result r)
{
    printf("%-34s %7d %12.0f %10.2f %10.2f %7.3f\n", what, threads, r.batch / r.step_s,
           r.step_s * 1e3, r.gemm_s * 1e3, r.step_s / r.gemm_s);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    char err[512];
    data_set trainset = {0}, testset = {0};
    data_synth_config sc = data_synth_defaults();
    sc.ntrain = 12800;
    sc.ntest = 256;
    if (data_synthetic(&trainset, &testset, &sc, err, sizeof err)) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    printf("%-34s %7s %12s %10s %10s %7s\n", "workload", "threads", "samples/s", "step ms",
           "gemm ms", "ratio");
    for (int threads = 1; threads <= 2; threads++) {
        nn_set_threads(threads);
        train_config c = train_config_defaults();
        c.data = TRAIN_DATA_SYNTHETIC;
        c.no_cache = true;
        c.teacher_epochs = 1;
        c.teacher_dropout = 0.2f;
        c.transfer.fraction = 1.0;
        int student[] = {784, 128, 10};
        memcpy(c.student, student, sizeof student);
        c.nstudent = 3;
        c.baseline = false;
        train *t = train_new(&c, &trainset, &testset, NULL, NULL, err, sizeof err);
        if (!t) return fprintf(stderr, "bench: %s\n", err), 1;
        report("teacher train 784-1200-1200-10 b128", threads, measure(t, TRAIN_PHASE_TEACHER, 3, 30));
        report("teacher cache (chunks of 256)", threads, measure(t, TRAIN_PHASE_CACHE, 2, 30));
        report("distil 784-128-10 b128", threads, measure(t, TRAIN_PHASE_DISTIL, 5, 80));
        train_free(t);

        /* the same with the baseline in lockstep; a 1-epoch teacher is enough to feed it */
        int small_teacher[] = {784, 64, 10};
        memcpy(c.teacher, small_teacher, sizeof small_teacher);
        c.nteacher = 3;
        c.baseline = true;
        t = train_new(&c, &trainset, &testset, NULL, NULL, err, sizeof err);
        if (!t) return fprintf(stderr, "bench: %s\n", err), 1;
        report("distil + baseline 784-128-10 b128", threads, measure(t, TRAIN_PHASE_DISTIL, 5, 80));
        train_free(t);
    }
    data_free(&trainset);
    data_free(&testset);
    return 0;
}

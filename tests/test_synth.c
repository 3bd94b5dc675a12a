/* test_synth: the built-in synthetic set. It must be the same bytes for the same seed on every
 * machine (a golden hash holds it), balanced, sensibly grey, and its look-alike pairs must be
 * real: each class's mean image is nearest its partner's, and a nearest-centroid classifier
 * errs mostly inside a pair. */
#include "distillery/data.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* data_hash of the default training and test sets (seed 1). A change here means the generator
 * draws different images: every cached teacher keyed on the old set is invalid, so change it
 * on purpose only. */
#define GOLDEN_TRAIN 0x1c85d466fb42e42bull
#define GOLDEN_TEST  0xe85b77fcc3b5a18bull

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* means (nclasses, dim) of each class's images */
static double *class_means(const data_set *d)
{
    double *mu = calloc((size_t)d->nclasses * (size_t)d->dim, sizeof *mu);
    int *count = calloc((size_t)d->nclasses, sizeof *count);
    for (int i = 0; i < d->n; i++) {
        int c = d->labels[i];
        count[c]++;
        for (int k = 0; k < d->dim; k++)
            mu[c * d->dim + k] += d->pixels[(size_t)i * d->dim + k];
    }
    for (int c = 0; c < d->nclasses; c++)
        for (int k = 0; k < d->dim; k++)
            mu[c * d->dim + k] /= count[c] ? count[c] : 1;
    free(count);
    return mu;
}

static double dist2(const double *a, const double *b, int dim)
{
    double s = 0;
    for (int k = 0; k < dim; k++)
        s += (a[k] - b[k]) * (a[k] - b[k]);
    return s;
}

static void test_shape_and_determinism(void)
{
    data_set tr, te, tr2, te2;
    char err[256];
    data_synth_config cfg = data_synth_defaults();

    tap_ok(cfg.ntrain == 12000 && cfg.ntest == 2000 && cfg.seed == 1,
           "defaults: 12000 train, 2000 test, seed 1");
    double t0 = now();
    int rc = data_synthetic(&tr, &te, &cfg, err, sizeof err);
    double dt = now() - t0;
    tap_ok(rc == 0, "default set generated");
    tap_diag("generated 12000 + 2000 images in %.3f s", dt);
    tap_ok(tr.n == 12000 && te.n == 2000, "sizes 12000 and 2000");
    tap_ok(tr.rows == 28 && tr.cols == 28 && tr.dim == 784 && te.rows == 28 && te.cols == 28 &&
               te.dim == 784,
           "28x28 images");
    tap_ok(tr.nclasses == 10 && te.nclasses == 10, "10 classes");
    tap_ok(strcmp(tr.name, "synthetic") == 0 && strcmp(te.name, "synthetic") == 0,
           "named \"synthetic\"");
    int names_ok = 1;
    for (int a = 0; a < 10; a++) {
        names_ok &=
            tr.class_names[a][0] != '\0' && strcmp(tr.class_names[a], te.class_names[a]) == 0;
        for (int b = 0; b < a; b++)
            names_ok &= strcmp(tr.class_names[a], tr.class_names[b]) != 0;
    }
    tap_ok(names_ok, "class names present, distinct, the same in both splits");
    tap_diag("classes: %s %s | %s %s | %s %s | %s %s | %s %s", tr.class_names[0], tr.class_names[1],
             tr.class_names[2], tr.class_names[3], tr.class_names[4], tr.class_names[5],
             tr.class_names[6], tr.class_names[7], tr.class_names[8], tr.class_names[9]);

    int count_tr[10] = {0}, count_te[10] = {0}, labels_ok = 1;
    for (int i = 0; i < tr.n; i++) {
        labels_ok &= tr.labels[i] < 10;
        if (tr.labels[i] < 10) count_tr[tr.labels[i]]++;
    }
    for (int i = 0; i < te.n; i++) {
        labels_ok &= te.labels[i] < 10;
        if (te.labels[i] < 10) count_te[te.labels[i]]++;
    }
    int balanced = labels_ok;
    for (int c = 0; c < 10; c++)
        balanced &= count_tr[c] == 1200 && count_te[c] == 200;
    tap_ok(balanced, "balanced: 1200 train and 200 test images per class");
    int run = 1, longest = 1;
    for (int i = 1; i < tr.n; i++) {
        run = tr.labels[i] == tr.labels[i - 1] ? run + 1 : 1;
        if (run > longest) longest = run;
    }
    tap_ok(tr.labels[0] != 0 || tr.labels[1] != 1 || tr.labels[2] != 2 || longest < 10,
           "labels come in a shuffled order (longest run %d)", longest);

    size_t total = (size_t)tr.n * 784, zeros = 0, full = 0;
    double sum = 0;
    for (size_t i = 0; i < total; i++) {
        sum += tr.pixels[i];
        zeros += tr.pixels[i] == 0;
        full += tr.pixels[i] == 255;
    }
    double mean = sum / (double)total;
    tap_diag("pixels: mean %.1f, %.1f%% zero, %.2f%% at 255", mean, 100.0 * zeros / total,
             100.0 * full / total);
    tap_ok(mean > 10 && mean < 100, "mean pixel %.1f in (10, 100): neither blank nor washed out",
           mean);
    tap_ok(zeros < total * 9 / 10 && full < total / 10, "not all zero, not saturated");
    double sum_te = 0;
    for (size_t i = 0; i < (size_t)te.n * 784; i++)
        sum_te += te.pixels[i];
    tap_close(sum_te / ((double)te.n * 784), mean, 2.0,
              "test images as grey as training images (mean pixel within 2 levels)");

    uint64_t htr = data_hash(&tr), hte = data_hash(&te);
    tap_diag("hashes: train 0x%016llx test 0x%016llx", (unsigned long long)htr,
             (unsigned long long)hte);
    tap_ok(htr == GOLDEN_TRAIN && hte == GOLDEN_TEST,
           "the same bytes as on every other machine (golden hashes)");
    tap_ok(data_synthetic(&tr2, &te2, &cfg, err, sizeof err) == 0 && data_hash(&tr2) == htr &&
               data_hash(&te2) == hte && memcmp(tr.pixels, tr2.pixels, total) == 0,
           "same seed, same bytes");
    data_free(&tr2);
    data_free(&te2);
    tap_ok(data_synthetic(&tr2, &te2, NULL, err, sizeof err) == 0 && data_hash(&tr2) == htr,
           "a NULL config means the defaults");
    data_free(&tr2);
    data_free(&te2);
    cfg.seed = 2;
    tap_ok(data_synthetic(&tr2, &te2, &cfg, err, sizeof err) == 0 && data_hash(&tr2) != htr &&
               data_hash(&te2) != hte,
           "another seed, other bytes");
    data_free(&tr2);
    data_free(&te2);
    tap_ok(htr != hte, "train and test are different draws");
    cfg.seed = 1;
    cfg.ntrain = 500;
    tap_ok(data_synthetic(&tr2, &te2, &cfg, err, sizeof err) == 0 && tr2.n == 500 &&
               data_hash(&te2) == hte,
           "the test split does not change with the size of the training split");
    data_free(&tr2);
    data_free(&te2);

    data_free(&tr);
    data_free(&te);
}

static void test_pairs(void)
{
    data_set tr, te;
    char err[256];
    data_synth_config cfg = data_synth_defaults();
    if (!tap_ok(data_synthetic(&tr, &te, &cfg, err, sizeof err) == 0, "generated for pairs"))
        return;

    /* class 2k and 2k+1 are a look-alike pair by design */
    double *mu = class_means(&tr);
    for (int a = 0; a < 10; a++) {
        int best = -1;
        double bd = 0, partner = dist2(mu + a * 784, mu + (a ^ 1) * 784, 784);
        for (int b = 0; b < 10; b++) {
            if (b == a) continue;
            double d = dist2(mu + a * 784, mu + b * 784, 784);
            if (best < 0 || d < bd) best = b, bd = d;
        }
        double second = -1;
        for (int b = 0; b < 10; b++) {
            if (b == a || b == (a ^ 1)) continue;
            double d = dist2(mu + a * 784, mu + b * 784, 784);
            if (second < 0 || d < second) second = d;
        }
        tap_ok(best == (a ^ 1),
               "mean image of %s is nearest %s (its partner), found %s; "
               "distance to partner %.0f, to the next class %.0f",
               tr.class_names[a], tr.class_names[a ^ 1], tr.class_names[best], sqrt(partner),
               sqrt(second));
    }

    /* nearest centroid on the test split */
    int conf[10][10] = {{0}}, right = 0, wrong = 0, in_pair = 0;
    for (int i = 0; i < te.n; i++) {
        double x[784];
        for (int k = 0; k < 784; k++)
            x[k] = te.pixels[(size_t)i * 784 + k];
        int best = 0;
        double bd = dist2(x, mu, 784);
        for (int c = 1; c < 10; c++) {
            double d = dist2(x, mu + c * 784, 784);
            if (d < bd) best = c, bd = d;
        }
        int y = te.labels[i];
        conf[y][best]++;
        if (best == y)
            right++;
        else {
            wrong++;
            in_pair += best == (y ^ 1);
        }
    }
    double acc = (double)right / te.n;
    tap_diag("nearest-centroid test accuracy %.3f; %d of %d errors inside a pair", acc, in_pair,
             wrong);
    tap_diag("confusion (rows true, columns predicted):");
    for (int a = 0; a < 10; a++) {
        char line[128];
        int len = snprintf(line, sizeof line, "%-11s", tr.class_names[a]);
        for (int b = 0; b < 10; b++)
            len += snprintf(line + len, sizeof line - (size_t)len, "%4d", conf[a][b]);
        tap_diag("%s", line);
    }
    tap_ok(acc > 0.4 && acc < 0.99,
           "nearest centroid: accuracy %.3f well above chance (0.1), "
           "below 1",
           acc);
    tap_ok(wrong > 0 && in_pair >= wrong * 4 / 5,
           "nearest centroid: at least 80%% of its errors are inside a pair (%d of %d)", in_pair,
           wrong);
    free(mu);
    data_free(&tr);
    data_free(&te);
}

static void test_bad_config(void)
{
    data_set tr, te;
    char err[256];
    static const int sizes[][2] = {{0, 10}, {10, 0}, {-1, 10}, {10, -5}, {2000000000, 10}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        data_synth_config cfg = data_synth_defaults();
        cfg.ntrain = sizes[i][0];
        cfg.ntest = sizes[i][1];
        err[0] = '\0';
        tap_ok(data_synthetic(&tr, &te, &cfg, err, sizeof err) == -1 && strstr(err, "synthetic") &&
                   tr.pixels == NULL && te.pixels == NULL && tr.n == 0,
               "ntrain %d, ntest %d rejected: %s", cfg.ntrain, cfg.ntest, err);
    }
    data_synth_config one = {.ntrain = 1, .ntest = 1, .seed = 99};
    tap_ok(data_synthetic(&tr, &te, &one, err, sizeof err) == 0 && tr.n == 1 && te.n == 1,
           "one sample each works");
    data_free(&tr);
    data_free(&te);
}

int main(void)
{
    test_shape_and_determinism();
    test_pairs();
    test_bad_config();
    return tap_done();
}

/* test_transfer: the transfer set (which training samples a student sees), its parsers, and
 * what every data set shares: batches as floats, the identity hash, data_free. */
#include "distillery/data.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* n samples of 2x3 images in 10 classes; label i % 10, pixel k of sample i = (i * 7 + k) % 256 */
static data_set toy(int n)
{
    data_set d;
    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "toy");
    d.n = n;
    d.rows = 2;
    d.cols = 3;
    d.dim = 6;
    d.nclasses = 10;
    d.pixels = malloc((size_t)n * 6);
    d.labels = malloc((size_t)n);
    d.class_names = calloc(10, sizeof *d.class_names);
    static const char *names[10] = {"zero", "one", "two",   "three", "four",
                                    "five", "six", "Seven", "eight", "nine"};
    for (int c = 0; c < 10; c++)
        snprintf(d.class_names[c], DATA_CLASS_NAME, "%s", names[c]);
    for (int i = 0; i < n; i++) {
        d.labels[i] = (uint8_t)(i % 10);
        for (int k = 0; k < 6; k++)
            d.pixels[i * 6 + k] = (uint8_t)((i * 7 + k) % 256);
    }
    return d;
}

/* every index in range, none twice */
static int distinct(const data_transfer *t, int n)
{
    char *seen = calloc((size_t)n, 1);
    int ok = 1;
    for (int i = 0; i < t->n && ok; i++) {
        if (t->index[i] < 0 || t->index[i] >= n || seen[t->index[i]])
            ok = 0;
        else
            seen[t->index[i]] = 1;
    }
    free(seen);
    return ok;
}

static void test_transfer_make(void)
{
    data_set d = toy(100);
    data_transfer t, u;
    data_transfer_config cfg = data_transfer_defaults();
    char err[256];

    tap_ok(cfg.fraction == 0 && cfg.count == 0 && cfg.omit_mask == 0 && cfg.labeled == -1,
           "defaults: no fraction, no count, nothing omitted, all labeled");
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == 0, "defaults: made");
    tap_ok(t.n == 100 && t.nlabeled == 100 && distinct(&t, 100),
           "defaults: every training sample once, all labeled");
    int in_order = 1;
    for (int i = 0; i < t.n; i++)
        in_order &= t.index[i] == i;
    tap_ok(!in_order, "defaults: in a shuffled order");

    tap_ok(data_transfer_make(&u, &d, &cfg, 1, err, sizeof err) == 0 && u.n == t.n &&
               memcmp(u.index, t.index, sizeof(int) * (size_t)t.n) == 0,
           "same seed, same order");
    data_transfer_free(&u);
    tap_ok(data_transfer_make(&u, &d, &cfg, 2, err, sizeof err) == 0 &&
               memcmp(u.index, t.index, sizeof(int) * (size_t)t.n) != 0,
           "another seed, another order");
    data_transfer_free(&u);
    data_transfer_free(&t);
    tap_ok(t.index == NULL && t.n == 0, "data_transfer_free zeroes");
    data_transfer_free(&t); /* twice is harmless */

    cfg.fraction = 0.05;
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == 0 && t.n == 5 &&
               distinct(&t, 100),
           "fraction 0.05 of 100: 5 samples");
    data_transfer_free(&t);
    cfg.fraction = 0.001;
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == 0 && t.n == 1,
           "a tiny fraction still gives 1 sample");
    data_transfer_free(&t);

    cfg = data_transfer_defaults();
    cfg.count = 30;
    cfg.fraction = 0.5; /* count wins */
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == 0 && t.n == 30 &&
               t.nlabeled == 30 && distinct(&t, 100),
           "count 30 wins over a fraction");
    data_transfer free_me = t;
    cfg.fraction = 0;
    /* a prefix of the same permutation: a bigger request only adds samples */
    cfg.count = 60;
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == 0 &&
               memcmp(t.index, free_me.index, 30 * sizeof(int)) == 0,
           "count 60 starts with count 30's samples");
    data_transfer_free(&t);
    data_transfer_free(&free_me);

    cfg.count = 101;
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == -1 && strstr(err, "101") &&
               strstr(err, "100") && t.index == NULL,
           "count above the training set fails naming both numbers: %s", err);

    cfg = data_transfer_defaults();
    cfg.omit_mask = 1u << 3;
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == 0 && t.n == 90,
           "omit class 3: 90 samples left");
    int threes = 0;
    for (int i = 0; i < t.n; i++)
        threes += d.labels[t.index[i]] == 3;
    tap_ok(threes == 0 && distinct(&t, 100), "omit class 3: no 3 among them");
    data_transfer_free(&t);
    cfg.fraction = 0.5;
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == 0 && t.n == 45,
           "omit class 3, fraction 0.5: 45 samples (half of what is left)");
    data_transfer_free(&t);
    cfg.fraction = 0;
    cfg.count = 91;
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == -1 && strstr(err, "91") &&
               strstr(err, "90"),
           "count above what omission leaves fails: %s", err);

    cfg = data_transfer_defaults();
    cfg.omit_mask = (1u << 10) - 1;
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == -1 && strstr(err, "no "),
           "omitting every class fails: %s", err);
    cfg.omit_mask = 1u << 10;
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == -1 && strstr(err, "10"),
           "omitting a class the set does not have fails: %s", err);
    cfg.omit_mask = 1ull << 63;
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == -1 && strstr(err, "63"),
           "omitting class 63 of 10 fails: %s", err);

    cfg = data_transfer_defaults();
    cfg.count = 40;
    cfg.labeled = 10;
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == 0 && t.n == 40 &&
               t.nlabeled == 10,
           "labeled 10 of 40");
    data_transfer_free(&t);
    cfg.labeled = 0;
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == 0 && t.nlabeled == 0,
           "labeled 0: soft labels only");
    data_transfer_free(&t);
    cfg.labeled = 41;
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == -1 && strstr(err, "41"),
           "labeled above the set's size fails: %s", err);

    cfg = data_transfer_defaults();
    cfg.fraction = 1.5;
    tap_ok(data_transfer_make(&t, &d, &cfg, 1, err, sizeof err) == -1,
           "a fraction above 1 in a config fails: %s", err);
    data_free(&d);
}

static void test_parse_transfer(void)
{
    static const struct {
        const char *s;
        double fraction;
        long count;
    } good[] = {{"5%", 0.05, 0}, {"0.05", 0.05, 0},   {"3000", 0, 3000},
                {"1.0", 1, 0},   {"1", 0, 1},         {"100%", 1, 0},
                {".5", 0.5, 0},  {"12.5%", 0.125, 0}, {"1e-2", 0.01, 0}};
    static const char *bad[] = {
        "0", "0.0", "0%", "-5", "-0.1", "101%", "1.5",  "abc", "5x",   "",
        "%", "5%%", " 5", "5 ", "nan",  "inf",  "0x10", "1e",  "1..2", "99999999999999999999"};
    char err[256];

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        data_transfer_config cfg = data_transfer_defaults();
        cfg.count = 7; /* a fraction must clear a count and the other way round */
        cfg.fraction = 0.7;
        cfg.labeled = 12;
        int rc = data_parse_transfer(good[i].s, &cfg, err, sizeof err);
        tap_ok(rc == 0 && cfg.fraction == good[i].fraction && cfg.count == good[i].count &&
                   cfg.labeled == 12,
               "parse_transfer \"%s\" -> fraction %g count %ld", good[i].s, cfg.fraction,
               cfg.count);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        data_transfer_config cfg = data_transfer_defaults();
        err[0] = '\0';
        int rc = data_parse_transfer(bad[i], &cfg, err, sizeof err);
        tap_ok(rc == -1 && strlen(err) > 10 && cfg.fraction == 0 && cfg.count == 0,
               "parse_transfer rejects \"%s\": %s", bad[i], err);
    }
}

static void test_parse_classes(void)
{
    data_set d = toy(10);
    uint64_t mask = 0;
    char err[256];

    tap_ok(data_parse_classes("3", NULL, &mask, err, sizeof err) == 0 && mask == 1u << 3,
           "classes \"3\"");
    tap_ok(data_parse_classes("3,5,7", NULL, &mask, err, sizeof err) == 0 &&
               mask == ((1u << 3) | (1u << 5) | (1u << 7)),
           "classes \"3,5,7\"");
    tap_ok(data_parse_classes("63", NULL, &mask, err, sizeof err) == 0 && mask == 1ull << 63,
           "classes \"63\" without names");
    tap_ok(data_parse_classes("0, 9", &d, &mask, err, sizeof err) == 0 &&
               mask == ((1u << 0) | (1u << 9)),
           "classes \"0, 9\" (spaces forgiven)");
    tap_ok(data_parse_classes("three,SEVEN,1", &d, &mask, err, sizeof err) == 0 &&
               mask == ((1u << 3) | (1u << 7) | (1u << 1)),
           "classes by name, case-insensitive, mixed with numbers");

    mask = 42;
    static const struct {
        const char *s;
        int with_names;
        const char *word;
    } bad[] = {{"", 0, "empty"},
               {"3,", 0, "empty"},
               {",3", 0, "empty"},
               {"3,,5", 0, "empty"},
               {"x", 0, "number"},
               {"3x", 0, "number"},
               {"-1", 0, "number"},
               {"64", 0, "64"},
               {"1000000000000", 0, "64"},
               {"10", 1, "10"},
               {"thre", 1, "thre"},
               {"three", 0, "three"},
               {"seven eight", 1, "seven eight"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        int rc =
            data_parse_classes(bad[i].s, bad[i].with_names ? &d : NULL, &mask, err, sizeof err);
        tap_ok(rc == -1 && strstr(err, bad[i].word) && mask == 42,
               "parse_classes rejects \"%s\"%s: %s", bad[i].s, bad[i].with_names ? " (names)" : "",
               err);
    }
    data_free(&d);
}

/* FNV-1a written out from its definition, over the layout data.h documents. */
static uint64_t fnv_reference(const data_set *d)
{
    uint64_t h = 14695981039346656037ull;
    int head[4] = {d->n, d->rows, d->cols, d->nclasses};
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 4; b++)
            h = (h ^ (((uint32_t)head[i] >> (8 * b)) & 0xff)) * 1099511628211ull;
    for (int i = 0; i < d->n * d->dim; i++)
        h = (h ^ d->pixels[i]) * 1099511628211ull;
    for (int i = 0; i < d->n; i++)
        h = (h ^ d->labels[i]) * 1099511628211ull;
    return h;
}

static void test_batch_hash_free(void)
{
    data_set d = toy(20);
    int idx[3] = {4, 0, 19};
    float out[18];
    int labels[3];

    data_batch(&d, idx, 3, out);
    int ok = 1;
    for (int b = 0; b < 3; b++)
        for (int k = 0; k < 6; k++)
            ok &= out[b * 6 + k] == (float)((idx[b] * 7 + k) % 256) * (1.0f / 255.0f);
    tap_ok(ok, "data_batch: pixels of the chosen samples, scaled by 1/255");
    d.pixels[0] = 255;
    data_batch(&d, idx + 1, 1, out);
    tap_close(out[0], 1.0, 0, "data_batch: 255 -> 1");
    tap_close(out[1], 1.0f / 255.0f, 0, "data_batch: 1 -> 1/255");
    data_batch_labels(&d, idx, 3, labels);
    tap_ok(labels[0] == 4 && labels[1] == 0 && labels[2] == 9, "data_batch_labels");

    uint64_t h = data_hash(&d);
    tap_diag("toy set hash 0x%016llx", (unsigned long long)h);
    tap_ok(h == fnv_reference(&d), "data_hash is FNV-1a over n, rows, cols, nclasses (4 bytes "
                                   "little-endian each), pixels, labels");
    data_set e = toy(20);
    e.pixels[0] = 255;
    tap_ok(data_hash(&e) == h, "data_hash: same content, same hash");
    e.pixels[119] ^= 1;
    tap_ok(data_hash(&e) != h, "data_hash: one pixel bit changes it");
    e.pixels[119] ^= 1;
    e.labels[19] = 3;
    tap_ok(data_hash(&e) != h, "data_hash: one label changes it");
    e.labels[19] = 9;
    e.rows = 3;
    e.cols = 2;
    tap_ok(data_hash(&e) != h, "data_hash: the shape changes it (3x2 vs 2x3)");
    e.rows = 2;
    e.cols = 3;
    e.nclasses = 11;
    tap_ok(data_hash(&e) != h, "data_hash: nclasses changes it");
    data_free(&e);

    data_free(&d);
    data_set zero;
    memset(&zero, 0, sizeof zero);
    tap_ok(memcmp(&d, &zero, sizeof d) == 0, "data_free zeroes the set");
    data_free(&d);
    data_free(NULL);
    tap_ok(1, "data_free on a zeroed set and on NULL is harmless");
}

int main(void)
{
    test_transfer_make();
    test_parse_transfer();
    test_parse_classes();
    test_batch_hash_free();
    return tap_done();
}

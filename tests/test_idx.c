/* test_idx: the IDX loader and MNIST-format folders. Small IDX files are written here, raw and
 * gzipped, good and broken in every way a header or payload can be; each broken one must fail
 * with a message that says what is wrong, without crashing or allocating what the header
 * claims. The real Fashion-MNIST is checked too when Debian's package is installed. */
#include "distillery/data.h"
#include "tap.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

static char tmpdir[1024];

static const char *path_of(const char *name)
{
    static char buf[8][2048];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", tmpdir, name);
    return p;
}

static void write_file(const char *path, const uint8_t *bytes, size_t len, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        if (len) gzwrite(f, bytes, (unsigned)len);
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        if (len) fwrite(bytes, 1, len, f);
        fclose(f);
    }
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*len ? *len : 1);
    if (fread(b, 1, *len, f) != *len) *len = 0;
    fclose(f);
    return b;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* An IDX file in memory: magic, rank dimensions, then payload (len bytes). */
static uint8_t *idx_bytes(uint32_t magic, int rank, const uint32_t *dims, const uint8_t *payload,
                          size_t len, size_t *total)
{
    *total = 4 + 4 * (size_t)rank + len;
    uint8_t *b = malloc(*total);
    put32(b, magic);
    for (int i = 0; i < rank; i++)
        put32(b + 4 + 4 * i, dims[i]);
    if (len) memcpy(b + 4 + 4 * rank, payload, len);
    return b;
}

/* n images of rows x cols with pixel k of image i = (i * 31 + k * 7) % 256, as an IDX file */
static void write_images(const char *name, uint32_t n, uint32_t rows, uint32_t cols, int gz)
{
    size_t len = (size_t)n * rows * cols, total;
    uint8_t *px = malloc(len);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < (size_t)rows * cols; k++)
            px[i * rows * cols + k] = (uint8_t)((i * 31 + k * 7) % 256);
    uint32_t dims[3] = {n, rows, cols};
    uint8_t *b = idx_bytes(0x803, 3, dims, px, len, &total);
    write_file(path_of(name), b, total, gz);
    free(b);
    free(px);
}

static void write_labels(const char *name, const uint8_t *labels, uint32_t n, int gz)
{
    size_t total;
    uint8_t *b = idx_bytes(0x801, 1, &n, labels, n, &total);
    write_file(path_of(name), b, total, gz);
    free(b);
}

static void write_text(const char *name, const char *text)
{
    write_file(path_of(name), (const uint8_t *)text, strlen(text), 0);
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[2048];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    if (d) closedir(d);
    rmdir(dir);
}

static int is_zeroed(const data_set *d)
{
    data_set z;
    memset(&z, 0, sizeof z);
    return memcmp(d, &z, sizeof z) == 0;
}

/* Loads images/labels from tmpdir; expects failure with every word of want in err. */
static void expect_fail(const char *images, const char *labels, int max_classes, const char *want1,
                        const char *want2, const char *what)
{
    data_set d;
    char err[512] = "";
    int rc = data_idx_load(&d, path_of(images), path_of(labels), max_classes, err, sizeof err);
    int ok = rc == -1 && strstr(err, want1) && (!want2 || strstr(err, want2)) && is_zeroed(&d);
    tap_ok(ok, "%s: %s", what, err);
    if (!ok)
        tap_diag("wanted \"%s\"%s%s%s", want1, want2 ? " and \"" : "", want2 ? want2 : "",
                 want2 ? "\"" : "");
    if (rc == 0) data_free(&d);
}

static void test_good(void)
{
    static const uint8_t labels[3] = {2, 0, 1};
    data_set d, g, m;
    char err[512];

    write_images("img", 3, 4, 5, 0);
    write_labels("lab", labels, 3, 0);
    write_images("img.gz", 3, 4, 5, 1);
    write_labels("lab.gz", labels, 3, 1);

    int rc = data_idx_load(&d, path_of("img"), path_of("lab"), 10, err, sizeof err);
    if (!tap_ok(rc == 0, "raw pair loads%s%s", rc ? ": " : "", rc ? err : "")) return;
    tap_ok(d.n == 3 && d.rows == 4 && d.cols == 5 && d.dim == 20, "raw: 3 images of 4x5");
    int px_ok = 1;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 20; k++)
            px_ok &= d.pixels[i * 20 + k] == (i * 31 + k * 7) % 256;
    tap_ok(px_ok, "raw: pixels as written");
    tap_ok(d.labels[0] == 2 && d.labels[1] == 0 && d.labels[2] == 1, "raw: labels as written");
    tap_ok(d.nclasses == 3 && d.class_names && !strcmp(d.class_names[0], "0") &&
               !strcmp(d.class_names[2], "2"),
           "raw: 3 classes (1 + the largest label), named \"0\"..\"2\"");
    const char *base = strrchr(tmpdir, '/') + 1;
    tap_ok(strcmp(d.name, base) == 0, "named after its folder: %s", d.name);

    rc = data_idx_load(&g, path_of("img.gz"), path_of("lab.gz"), 10, err, sizeof err);
    tap_ok(rc == 0 && data_hash(&g) == data_hash(&d), "gzip pair loads the same set%s%s",
           rc ? ": " : "", rc ? err : "");
    rc = data_idx_load(&m, path_of("img.gz"), path_of("lab"), 3, err, sizeof err);
    tap_ok(rc == 0 && data_hash(&m) == data_hash(&d),
           "gzip images with raw labels, max_classes exactly 3");
    data_free(&d);
    data_free(&g);
    data_free(&m);
}

static void test_bad_headers(void)
{
    static const uint8_t labels[3] = {2, 0, 1};
    uint8_t px[60] = {0};
    size_t len;
    uint8_t *b;

    uint32_t dims[3] = {3, 4, 5};
    b = idx_bytes(0x01020803, 3, dims, px, 60, &len);
    write_file(path_of("magic"), b, len, 0);
    free(b);
    expect_fail("magic", "lab", 10, "bad magic", "0x01020803", "bad magic");

    b = idx_bytes(0x0D03, 3, dims, px, 60, &len);
    write_file(path_of("float.gz"), b, len, 1);
    free(b);
    expect_fail("float.gz", "lab", 10, "type", "float", "float element type (gzip)");

    b = idx_bytes(0x801, 1, dims, px, 3, &len);
    write_file(path_of("rank1"), b, len, 0);
    free(b);
    expect_fail("rank1", "lab", 10, "rank", "found 1", "labels file given as images");
    expect_fail("img", "img", 10, "rank", "found 3", "images file given as labels");

    uint32_t zero[3] = {3, 0, 5};
    b = idx_bytes(0x803, 3, zero, px, 0, &len);
    write_file(path_of("zero"), b, len, 0);
    free(b);
    expect_fail("zero", "lab", 10, "zero", "rows", "zero rows");

    write_file(path_of("empty"), px, 0, 0);
    expect_fail("empty", "lab", 10, "truncated", "header", "empty file");
    b = idx_bytes(0x803, 3, dims, px, 0, &len);
    write_file(path_of("short-header"), b, 9, 0);
    free(b);
    expect_fail("short-header", "lab", 10, "truncated", "header", "header cut short");

    /* every product here overflows 32 bits, the first even 64 */
    uint32_t huge[3] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
    b = idx_bytes(0x803, 3, huge, px, 60, &len);
    write_file(path_of("huge"), b, len, 0);
    free(b);
    expect_fail("huge", "lab", 10, "too large", "4294967295", "n = rows = cols = 2^32 - 1");
    uint32_t wide[3] = {100000000u, 4096, 4096};
    b = idx_bytes(0x803, 3, wide, px, 60, &len);
    write_file(path_of("wide"), b, len, 1);
    free(b);
    expect_fail("wide", "lab", 10, "too large", "bytes", "10^8 images of 4096x4096 (gzip)");
    uint32_t side[3] = {3, 5000, 5};
    b = idx_bytes(0x803, 3, side, px, 60, &len);
    write_file(path_of("side"), b, len, 0);
    free(b);
    expect_fail("side", "lab", 10, "too large", "5000", "5000 rows");
    uint32_t many = 0xFFFFFFFFu;
    b = idx_bytes(0x801, 1, &many, labels, 3, &len);
    write_file(path_of("many-labels"), b, len, 0);
    free(b);
    expect_fail("img", "many-labels", 10, "too large", "4294967295", "2^32 - 1 labels");

    /* plausible but enormous (3.9 GB): must fail on the missing bytes, not try to allocate */
    uint32_t big[3] = {5000000u, 28, 28};
    b = idx_bytes(0x803, 3, big, px, 60, &len);
    write_file(path_of("big"), b, len, 0);
    free(b);
    uint32_t big_n = 5000000u;
    b = idx_bytes(0x801, 1, &big_n, labels, 3, &len);
    write_file(path_of("big-labels"), b, len, 0);
    free(b);
    expect_fail("big", "big-labels", 10, "truncated",
                "expected 3920000000 bytes of pixels, found 60", "a 3.9 GB header over 60 bytes");
}

static void test_bad_payloads(void)
{
    static const uint8_t labels[4] = {2, 0, 1, 1};
    size_t len, glen;
    uint8_t *b = read_file(path_of("img"), &len);

    write_file(path_of("cut"), b, len - 7, 0);
    expect_fail("cut", "lab", 10, "truncated", "expected 60 bytes of pixels, found 53",
                "raw payload 7 bytes short");
    write_file(path_of("cut.gz"), b, len - 7, 1);
    expect_fail("cut.gz", "lab", 10, "truncated", "found 53", "gzip payload 7 bytes short");

    uint8_t *longer = malloc(len + 5);
    memcpy(longer, b, len);
    memset(longer + len, 0xAB, 5);
    write_file(path_of("extra"), longer, len + 5, 0);
    expect_fail("extra", "lab", 10, "trailing", "found 5 more", "5 bytes of trailing garbage");
    write_file(path_of("extra.gz"), longer, len + 5, 1);
    expect_fail("extra.gz", "lab", 10, "trailing", NULL, "trailing garbage inside gzip");
    free(longer);
    free(b);

    /* a gzip stream needs some length to be cut inside its deflate data */
    write_images("big.gz", 200, 28, 28, 1);
    uint8_t lab200[200];
    for (int i = 0; i < 200; i++)
        lab200[i] = (uint8_t)(i % 10);
    write_labels("lab200", lab200, 200, 0);
    data_set d;
    char err[512];
    int rc = data_idx_load(&d, path_of("big.gz"), path_of("lab200"), 10, err, sizeof err);
    tap_ok(rc == 0 && d.n == 200, "a 200-image gzip file loads%s%s", rc ? ": " : "", rc ? err : "");
    if (rc == 0) data_free(&d);
    b = read_file(path_of("big.gz"), &glen);
    write_file(path_of("half.gz"), b, glen / 2, 0);
    expect_fail("half.gz", "lab200", 10, "truncated gzip", "half.gz", "gzip cut in the middle");
    write_file(path_of("notrailer.gz"), b, glen - 4, 0);
    expect_fail("notrailer.gz", "lab200", 10, "gzip", "notrailer.gz",
                "gzip without the last 4 bytes of its trailer");
    b[glen - 8] ^= 0xFF; /* the CRC */
    write_file(path_of("badcrc.gz"), b, glen, 0);
    expect_fail("badcrc.gz", "lab200", 10, "corrupt gzip", "badcrc.gz", "gzip with a wrong CRC");
    b[glen - 8] ^= 0xFF;
    for (size_t i = glen / 3; i < glen / 3 + 16; i++)
        b[i] ^= 0x5A;
    write_file(path_of("mangled.gz"), b, glen, 0);
    expect_fail("mangled.gz", "lab200", 10, "corrupt gzip", "mangled.gz", "gzip with mangled data");
    free(b);

    write_labels("lab4", labels, 4, 0);
    expect_fail("img", "lab4", 10, "mismatch", "expected 3 labels", "3 images, 4 labels");
    expect_fail("img", "lab", 2, "out of range", "found 2 at index 0",
                "label 2 with max_classes 2");
    expect_fail("no-such-file", "lab", 10, "cannot open", "no-such-file", "missing images file");
    expect_fail("img", "no-such-labels.gz", 10, "cannot open", "no-such-labels.gz",
                "missing labels file");
}

static void make_mnistlike(const char *dir)
{
    static const uint8_t train_labels[5] = {0, 4, 2, 1, 3};
    static const uint8_t test_labels[2] = {6, 5};
    char name[256];
    mkdir(path_of(dir), 0700);
    snprintf(name, sizeof name, "%s/train-images-idx3-ubyte.gz", dir);
    write_images(name, 5, 3, 2, 1);
    snprintf(name, sizeof name, "%s/train-labels-idx1-ubyte", dir);
    write_labels(name, train_labels, 5, 0);
    snprintf(name, sizeof name, "%s/t10k-images.idx3-ubyte", dir); /* the dotted spelling */
    write_images(name, 2, 3, 2, 0);
    snprintf(name, sizeof name, "%s/t10k-labels-idx1-ubyte.gz", dir);
    write_labels(name, test_labels, 2, 1);
}

static int load_dir_fails(const char *dir, const char *want, const char *what)
{
    data_set tr, te;
    char err[512] = "";
    int rc = data_load_dir(&tr, &te, path_of(dir), err, sizeof err);
    int ok = rc == -1 && strstr(err, want) && is_zeroed(&tr) && is_zeroed(&te);
    tap_ok(ok, "%s: %s", what, err);
    if (rc == 0) {
        data_free(&tr);
        data_free(&te);
    }
    return ok;
}

static void test_dir(void)
{
    data_set tr, te;
    char err[512];
    make_mnistlike("mnistlike");

    int rc = data_load_dir(&tr, &te, path_of("mnistlike/"), err, sizeof err);
    if (!tap_ok(rc == 0, "folder loads (raw, .gz and dotted names mixed)%s%s", rc ? ": " : "",
                rc ? err : ""))
        return;
    tap_ok(tr.n == 5 && te.n == 2 && tr.rows == 3 && tr.cols == 2 && te.dim == 6,
           "folder: 5 train and 2 test images of 3x2");
    tap_ok(tr.nclasses == 7 && te.nclasses == 7,
           "folder: 7 classes, from the test split's label 6");
    tap_ok(!strcmp(tr.class_names[0], "0") && !strcmp(te.class_names[6], "6"),
           "folder: classes named \"0\"..\"6\" without classes.txt");
    tap_ok(!strcmp(tr.name, "mnistlike") && !strcmp(te.name, "mnistlike"),
           "folder: the set is named after the folder (trailing slash ignored)");
    tap_ok(tr.labels[1] == 4 && te.labels[0] == 6 && tr.pixels[7] == (31 + 7) % 256,
           "folder: labels and pixels as written");
    data_free(&tr);
    data_free(&te);

    write_text("mnistlike/classes.txt", "zero\r\none\r\ntwo\r\nthree\r\nfour\r\nfive\r\nsix\r\n\n");
    rc = data_load_dir(&tr, &te, path_of("mnistlike"), err, sizeof err);
    tap_ok(rc == 0 && tr.nclasses == 7 && !strcmp(tr.class_names[0], "zero") &&
               !strcmp(te.class_names[6], "six"),
           "classes.txt names the classes (CRLF, trailing blank line)%s%s", rc ? ": " : "",
           rc ? err : "");
    if (rc == 0) {
        data_free(&tr);
        data_free(&te);
    }
    write_text("mnistlike/classes.txt", "a\nb\nc\nd\ne\nf\ng\nh");
    rc = data_load_dir(&tr, &te, path_of("mnistlike"), err, sizeof err);
    tap_ok(rc == 0 && tr.nclasses == 8 && te.nclasses == 8 && !strcmp(tr.class_names[7], "h"),
           "classes.txt with more names than labels: 8 classes");
    if (rc == 0) {
        data_free(&tr);
        data_free(&te);
    }
    write_text("mnistlike/classes.txt", "a\nb\nc\nd\ne\n");
    load_dir_fails("mnistlike", "at least 7", "classes.txt with 5 names for 7 classes");
    write_text("mnistlike/classes.txt", "a\nb\n\nd\ne\nf\ng\n");
    load_dir_fails("mnistlike", "line 3 is empty", "classes.txt with an empty line");
    write_text("mnistlike/classes.txt", "a\nb\nc\nd\nan overly long class name, 35 chars\nf\ng\n");
    load_dir_fails("mnistlike", "at most 31", "classes.txt with a 35-character name");
    unlink(path_of("mnistlike/classes.txt"));

    make_mnistlike("nolabels");
    unlink(path_of("nolabels/t10k-labels-idx1-ubyte.gz"));
    load_dir_fails("nolabels", "tried t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte.gz",
                   "missing test labels: the names tried are listed");
    load_dir_fails("not-there", "not-there", "missing folder");

    make_mnistlike("sizes");
    write_images("sizes/t10k-images.idx3-ubyte", 2, 2, 3, 0);
    load_dir_fails("sizes", "differ", "train 3x2, test 2x3");

    data_set f, g;
    rc = data_fashion_mnist(&f, &g, path_of("not-there"), err, sizeof err);
    tap_ok(rc == -1 && strstr(err, "dataset-fashion-mnist") && strstr(err, "not-there"),
           "Fashion-MNIST missing: the message names the folder and the Debian package: %s", err);
    rc = data_fashion_mnist(&f, &g, path_of("mnistlike"), err, sizeof err);
    tap_ok(rc == 0 && f.nclasses == 10 && g.nclasses == 10 && !strcmp(f.name, "fashion-mnist") &&
               !strcmp(f.class_names[0], "T-shirt/top") && !strcmp(g.class_names[9], "Ankle boot"),
           "a Fashion-MNIST folder gets the 10 Fashion-MNIST class names");
    if (rc == 0) {
        data_free(&f);
        data_free(&g);
    }
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void test_real_fashion(void)
{
    struct stat st;
    if (stat(DATA_FASHION_DIR, &st) != 0) {
        tap_ok(1, "# skip %s not present (Debian package dataset-fashion-mnist)", DATA_FASHION_DIR);
        return;
    }
    data_set tr, te;
    char err[512];
    double t0 = now();
    int rc = data_fashion_mnist(&tr, &te, NULL, err, sizeof err);
    double dt = now() - t0;
    if (!tap_ok(rc == 0, "real Fashion-MNIST loads%s%s", rc ? ": " : "", rc ? err : "")) return;
    tap_diag("loaded Fashion-MNIST (70000 images) in %.3f s", dt);
    tap_ok(tr.n == 60000 && te.n == 10000, "real Fashion-MNIST: 60000 train, 10000 test");
    tap_ok(tr.rows == 28 && tr.cols == 28 && te.rows == 28 && te.cols == 28,
           "real Fashion-MNIST: 28x28");
    tap_ok(tr.nclasses == 10 && !strcmp(tr.class_names[0], "T-shirt/top") &&
               !strcmp(te.class_names[0], "T-shirt/top"),
           "real Fashion-MNIST: 10 classes, class 0 is T-shirt/top");
    int count[10] = {0};
    for (int i = 0; i < tr.n; i++)
        count[tr.labels[i]]++;
    int balanced = 1;
    for (int c = 0; c < 10; c++)
        balanced &= count[c] == 6000;
    tap_ok(balanced, "real Fashion-MNIST: 6000 training images per class");
    double sum = 0;
    for (size_t i = 0; i < (size_t)tr.n * 784; i++)
        sum += tr.pixels[i];
    tap_close(sum / (60000.0 * 784 * 255), 0.2860, 0.0005,
              "real Fashion-MNIST: mean training pixel 0.2860, as published");
    tap_diag("hashes: train 0x%016llx test 0x%016llx", (unsigned long long)data_hash(&tr),
             (unsigned long long)data_hash(&te));
    data_free(&tr);
    data_free(&te);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/distillery-idx-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        tap_ok(0, "mkdtemp %s", tmpdir);
        return tap_done();
    }
    test_good();
    test_bad_headers();
    test_bad_payloads();
    test_dir();
    test_real_fashion();
    rm_tree(tmpdir);
    struct stat st;
    tap_ok(stat(tmpdir, &st) != 0, "temporary folder removed");
    return tap_done();
}

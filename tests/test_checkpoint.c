/* test_checkpoint: checkpoints survive a round trip bit for bit, follow the documented byte
 * layout, reject every kind of damaged file with a message that names the file and the problem,
 * and are replaced atomically: a failed save leaves the old file and no temporary behind. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "distillery/nn_mlp.h"
#include "distillery/train_checkpoint.h"
#include "tap.h"

static char dir[256];

static void path_in(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

/* the whole file, or NULL; *len its size */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            unsigned char *b = realloc(buf, cap);
            if (!b) break;
            buf = b;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        if (k == 0) break;
        n += k;
    }
    fclose(f);
    *len = n;
    return buf;
}

static void spill(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return;
    if (len) fwrite(buf, 1, len, f);
    fclose(f);
}

static nn_mlp *make_model(const int *widths, int n, float dropout, uint64_t seed)
{
    char err[256];
    nn_mlp *m = nn_mlp_new(widths, n, dropout, 4, err, sizeof err);
    if (!m) {
        tap_diag("nn_mlp_new: %s", err);
        return NULL;
    }
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    nn_mlp_init(m, &rng);
    /* non-zero biases and a few awkward values, so every float pattern is exercised */
    float *p = nn_mlp_params(m);
    size_t np = nn_mlp_nparams(m);
    for (size_t i = 0; i < np; i++)
        if (p[i] == 0.0f) p[i] = nn_rng_normal(&rng);
    p[0] = -0.0f;
    p[1] = 1e-40f; /* subnormal */
    return m;
}

static int count_tmp_files(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp.")) n++;
    closedir(d);
    return n;
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* --- round trip and byte layout ---------------------------------------------------------- */

static void test_round_trip(void)
{
    static const int widths[] = {5, 7, 3};
    char path[512], err[512];
    path_in(path, sizeof path, "a.ckpt");
    nn_mlp *m = make_model(widths, 3, 0.25f, 7);
    const uint64_t key = 0x0123456789abcdefull;
    int rc = train_checkpoint_save(path, m, key, err, sizeof err);
    if (!tap_ok(rc == 0, "save returns 0")) tap_diag("%s", err);

    uint64_t got_key = 0;
    nn_mlp *l = train_checkpoint_load(path, 16, &got_key, err, sizeof err);
    if (!tap_ok(l != NULL, "load of a saved checkpoint succeeds")) {
        tap_diag("%s", err);
        nn_mlp_free(m);
        return;
    }
    tap_ok(nn_mlp_nwidths(l) == 3 && memcmp(nn_mlp_widths(l), widths, sizeof widths) == 0,
           "widths survive");
    float d0 = nn_mlp_dropout(m), d1 = nn_mlp_dropout(l);
    tap_ok(memcmp(&d0, &d1, sizeof d0) == 0, "dropout survives bit for bit");
    tap_close(d1, 0.25, 0, "dropout reads back as 0.25");
    tap_ok(got_key == key, "key survives");
    tap_ok(nn_mlp_max_batch(l) == 16, "the loaded model takes the requested max_batch");
    tap_ok(nn_mlp_nparams(l) == nn_mlp_nparams(m) &&
               memcmp(nn_mlp_params(l), nn_mlp_params(m), nn_mlp_nparams(m) * sizeof(float)) == 0,
           "parameters are bit-identical (-0, subnormals included)");
    nn_mlp_free(l);

    l = train_checkpoint_load(path, 1, NULL, err, sizeof err);
    tap_ok(l != NULL, "load with key NULL succeeds");
    nn_mlp_free(l);

    /* the layout the header documents, checked byte by byte */
    size_t len = 0;
    unsigned char *b = slurp(path, &len);
    size_t np = nn_mlp_nparams(m), hdr = 8 + 4 + 4 + 4 * 3 + 4 + 8 + 8;
    tap_ok(b && len == hdr + 4 * np + 4, "file size is header + 4*nparams + 4 (%zu)", len);
    if (b && len == hdr + 4 * np + 4) {
        tap_ok(memcmp(b, "DSTLCKPT", 8) == 0, "starts with the magic");
        tap_ok(get32(b + 8) == TRAIN_CKPT_VERSION && get32(b + 12) == 3 && get32(b + 16) == 5 &&
                   get32(b + 20) == 7 && get32(b + 24) == 3,
               "version, nwidths and widths are little-endian u32");
        tap_ok(get32(b + 28) == 0x3e800000u, "dropout is a little-endian IEEE float");
        tap_ok(get32(b + 32) == 0x89abcdefu && get32(b + 36) == 0x01234567u, "key is u64 LE");
        tap_ok(get32(b + 40) == np && get32(b + 44) == 0, "nparams is u64 LE");
        uint32_t bits;
        memcpy(&bits, &nn_mlp_params(m)[2], 4);
        tap_ok(get32(b + hdr + 8) == bits, "params are IEEE floats, little-endian");
        uLong crc = crc32(crc32(0L, Z_NULL, 0), b, (uInt)(len - 4));
        tap_ok(get32(b + len - 4) == (uint32_t)crc, "trailer is zlib crc32 of all before it");
    }
    free(b);
    nn_mlp_free(m);
    remove(path);
}

/* --- damaged files ------------------------------------------------------------------------ */

/* Writes a variant of good (len bytes), loads it, and checks for NULL and an err that starts with
 * the path and contains word. */
static void expect_bad(const char *what, const unsigned char *data, size_t len, const char *word)
{
    char path[512], err[512] = "";
    path_in(path, sizeof path, "bad.ckpt");
    spill(path, data, len);
    nn_mlp *m = train_checkpoint_load(path, 4, NULL, err, sizeof err);
    int ok = m == NULL && strncmp(err, path, strlen(path)) == 0 && strstr(err, word) != NULL;
    if (!tap_ok(ok, "%s is refused, mentioning \"%s\"", what, word))
        tap_diag("err: %s", err);
    else
        tap_diag("%s", err + strlen(dir) + 1);
    nn_mlp_free(m);
    remove(path);
}

static void test_corrupt(void)
{
    static const int widths[] = {4, 6, 3};
    char path[512], err[512];
    path_in(path, sizeof path, "good.ckpt");
    nn_mlp *m = make_model(widths, 3, 0.0f, 3);
    train_checkpoint_save(path, m, 42, err, sizeof err);
    nn_mlp_free(m);
    size_t len = 0;
    unsigned char *good = slurp(path, &len), *b = malloc(len + 16);
    if (!good || !b) {
        tap_ok(0, "read back the good checkpoint");
        free(good);
        free(b);
        return;
    }
    const size_t hdr = 8 + 4 + 4 + 4 * 3 + 4 + 8 + 8;

#define VARIANT(what, word, edit)                                                                  \
    do {                                                                                           \
        memcpy(b, good, len);                                                                      \
        size_t n = len;                                                                            \
        edit;                                                                                      \
        expect_bad(what, b, n, word);                                                              \
    } while (0)

    VARIANT("bad magic", "magic", b[0] = 'X');
    VARIANT("a text file", "magic", memcpy(b, "hello, world\n", 13); n = 13);
    VARIANT("a 3-byte file", "magic", n = 3);
    VARIANT("version 2", "version", put32(b + 8, 2));
    VARIANT("version 0", "version", put32(b + 8, 0));
    VARIANT("nwidths 0", "nwidths", put32(b + 12, 0));
    VARIANT("nwidths 1", "nwidths", put32(b + 12, 1));
    VARIANT("nwidths huge", "nwidths", put32(b + 12, 0xffffffffu));
    VARIANT("nwidths 10", "nwidths", put32(b + 12, NN_MAX_LAYERS + 2));
    VARIANT("width 0", "bad width", put32(b + 20, 0));
    VARIANT("width 2^20 + 1", "bad width", put32(b + 16, (1u << 20) + 1));
    VARIANT("dropout 1", "dropout", put32(b + 28, 0x3f800000u));
    VARIANT("dropout NaN", "dropout", put32(b + 28, 0x7fc00000u));
    VARIANT("dropout -0.5", "dropout", put32(b + 28, 0xbf000000u));
    VARIANT("nparams + 1", "nparams", b[40]++);
    VARIANT("nparams 2^63", "nparams", b[47] = 0x80);
    VARIANT("nwidths 4 (reads a float as a width)", "bad width", put32(b + 12, 4));
    VARIANT("truncated by one byte", "truncated", n = len - 1);
    VARIANT("truncated to the header", "truncated", n = hdr);
    VARIANT("truncated inside the widths", "truncated", n = 18);
    VARIANT("truncated after the magic", "truncated", n = 8);
    VARIANT("one trailing byte", "trailing", b[len] = 0; n = len + 1);
    VARIANT("one flipped byte in the params", "checksum", b[hdr + 5] ^= 0x10);
    VARIANT("one flipped bit in the last param", "checksum", b[len - 5] ^= 0x01);
    VARIANT("a flipped byte in the key", "checksum", b[33] ^= 0xff);
    VARIANT("a damaged checksum", "checksum", b[len - 1] ^= 0x80);
    VARIANT("an empty file", "empty", n = 0);
#undef VARIANT

    char missing[512];
    path_in(missing, sizeof missing, "no-such.ckpt");
    err[0] = '\0';
    m = train_checkpoint_load(missing, 4, NULL, err, sizeof err);
    tap_ok(m == NULL && strncmp(err, missing, strlen(missing)) == 0 && strstr(err, "No such file"),
           "a missing file is refused (%s)", err);

    err[0] = '\0';
    m = train_checkpoint_load(dir, 4, NULL, err, sizeof err);
    tap_ok(m == NULL && strncmp(err, dir, strlen(dir)) == 0 && strstr(err, "directory"),
           "a directory is refused (%s)", err);

    char fifo[512];
    path_in(fifo, sizeof fifo, "fifo");
    err[0] = '\0';
    m = NULL;
    if (mkfifo(fifo, 0600) == 0) {
        m = train_checkpoint_load(fifo, 4, NULL, err, sizeof err);
        remove(fifo);
    }
    tap_ok(m == NULL && strstr(err, "regular file"), "a FIFO is refused without blocking (%s)",
           err);

    err[0] = '\0';
    m = train_checkpoint_load(path, 0, NULL, err, sizeof err);
    tap_ok(m == NULL && strncmp(err, path, strlen(path)) == 0 && strstr(err, "batch"),
           "max_batch 0 is refused");

    free(good);
    free(b);
    remove(path);
}

/* --- atomic replacement ------------------------------------------------------------------- */

static int same_file(const char *path, const unsigned char *want, size_t wantlen)
{
    size_t len = 0;
    unsigned char *b = slurp(path, &len);
    int same = b && len == wantlen && memcmp(b, want, len) == 0;
    free(b);
    return same;
}

static void test_atomic(void)
{
    static const int small[] = {3, 4, 2}, big[] = {40, 50, 10};
    char path[512], err[512];
    path_in(path, sizeof path, "model.ckpt");
    nn_mlp *a = make_model(small, 3, 0.0f, 1), *b = make_model(big, 3, 0.5f, 2);

    train_checkpoint_save(path, a, 1, err, sizeof err);
    int rc = train_checkpoint_save(path, b, 2, err, sizeof err);
    uint64_t key = 0;
    nn_mlp *l = train_checkpoint_load(path, 4, &key, err, sizeof err);
    tap_ok(rc == 0 && l && key == 2 && nn_mlp_nparams(l) == nn_mlp_nparams(b) &&
               memcmp(nn_mlp_params(l), nn_mlp_params(b), nn_mlp_nparams(b) * 4) == 0,
           "saving over a checkpoint replaces it with the new contents");
    tap_ok(count_tmp_files() == 0, "no temporary file is left after a save");
    nn_mlp_free(l);

    /* a failed save: a path in a folder that does not exist */
    char nowhere[512];
    path_in(nowhere, sizeof nowhere, "missing/folder/x.ckpt");
    err[0] = '\0';
    rc = train_checkpoint_save(nowhere, a, 0, err, sizeof err);
    tap_ok(rc == -1 && strncmp(err, nowhere, strlen(nowhere)) == 0 && strstr(err, "No such"),
           "saving into a missing folder fails (%s)", err);
    err[0] = '\0';
    rc = train_checkpoint_save("/proc/distillery-test/x.ckpt", a, 0, err, sizeof err);
    tap_ok(rc == -1 && strstr(err, "/proc/distillery-test/x.ckpt") == err,
           "saving under /proc fails");

    /* a failed write halfway (as with a full disk): the file size limit makes write() fail
     * with EFBIG once the temporary file passes 100 bytes */
    size_t oldlen = 0;
    unsigned char *old = slurp(path, &oldlen);
    struct rlimit saved, lim;
    getrlimit(RLIMIT_FSIZE, &saved);
    lim = saved;
    lim.rlim_cur = 100;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
        err[0] = '\0';
        rc = train_checkpoint_save(path, b, 3, err, sizeof err);
        setrlimit(RLIMIT_FSIZE, &saved);
        tap_ok(rc == -1 && strncmp(err, path, strlen(path)) == 0 && strstr(err, "write failed"),
               "a write error is reported (%s)", err);
        tap_ok(same_file(path, old, oldlen), "a failed save leaves the old file untouched");
        tap_ok(count_tmp_files() == 0, "a failed save removes its temporary file");
    } else {
        tap_ok(1, "# SKIP cannot lower RLIMIT_FSIZE");
    }
    signal(SIGXFSZ, prev);

    /* a failed rename: the name is taken by a folder that is not empty */
    char taken[512], inside[600];
    path_in(taken, sizeof taken, "taken.ckpt");
    mkdir(taken, 0777);
    snprintf(inside, sizeof inside, "%s/keep", taken);
    spill(inside, "x", 1);
    err[0] = '\0';
    rc = train_checkpoint_save(taken, a, 0, err, sizeof err);
    tap_ok(rc == -1 && strncmp(err, taken, strlen(taken)) == 0 && strstr(err, "rename"),
           "a failed rename is reported (%s)", err);
    tap_ok(count_tmp_files() == 0, "a failed rename removes its temporary file");
    remove(inside);
    rmdir(taken);

    free(old);
    remove(path);
    nn_mlp_free(a);
    nn_mlp_free(b);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/distillery-ckpt-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        printf("Bail out! mkdtemp %s: %s\n", dir, strerror(errno));
        return 1;
    }
    test_round_trip();
    test_corrupt();
    test_atomic();
    tap_ok(rmdir(dir) == 0, "the tests leave nothing behind in %s", dir);
    return tap_done();
}

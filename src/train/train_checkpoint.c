/* train_checkpoint: a model's weights on disk, in the format described in train_checkpoint.h.
 *
 * Every byte is written and read explicitly as little-endian, so a checkpoint moves between hosts.
 * Saving goes through "PATH.tmp.PID" in the same folder (fsync, then rename), so a crash or a full
 * disk never leaves a half-written file under the real name. Loading checks every header field
 * and the exact file size before it allocates anything sized by the file, then the checksum
 * before it builds the model. */
#include "distillery/train_checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static const char MAGIC[8] = {'D', 'S', 'T', 'L', 'C', 'K', 'P', 'T'};

/* magic, version, nwidths, widths..., dropout, key, nparams */
static uint64_t header_size(uint32_t nwidths)
{
    return 8 + 4 + 4 + 4 * (uint64_t)nwidths + 4 + 8 + 8;
}

static bool host_is_le(void)
{
    const uint32_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* v at p, little-endian; returns the byte after it */
static unsigned char *put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
    return p + 4;
}

static unsigned char *put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
    return p + 8;
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* zlib's crc32 takes a uInt length, which may be narrower than size_t */
static uLong crc_update(uLong crc, const unsigned char *p, size_t n)
{
    while (n > 0) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, p, k);
        p += k;
        n -= k;
    }
    return crc;
}

/* The parameter count that widths imply, or 0 if it overflows 64 bits (never for widths within
 * 1..2^20 and at most NN_MAX_LAYERS layers, but the count comes from a file). */
static uint64_t count_params(const uint32_t *w, uint32_t n)
{
    uint64_t total = 0;
    for (uint32_t l = 0; l + 1 < n; l++) {
        uint64_t in = w[l], out = w[l + 1];
        if (in != 0 && out > (UINT64_MAX - out) / in) return 0;
        uint64_t layer = out * in + out;
        if (layer > UINT64_MAX - total) return 0;
        total += layer;
    }
    return total;
}

/* --- Saving ------------------------------------------------------------------------------- */

/* The first failing fwrite is remembered; later writes are skipped. */
typedef struct writer {
    FILE *f;
    uLong crc;
    int errnum; /* 0 while all is well */
} writer;

static void put(writer *w, const void *buf, size_t n)
{
    if (w->errnum) return;
    errno = 0;
    if (fwrite(buf, 1, n, w->f) != n) {
        w->errnum = errno ? errno : EIO;
        return;
    }
    w->crc = crc_update(w->crc, buf, n);
}

static void put_params(writer *w, const float *p, size_t n)
{
    if (host_is_le()) {
        put(w, p, n * sizeof(float));
        return;
    }
    unsigned char buf[4096];
    while (n > 0) {
        size_t k = n > sizeof buf / 4 ? sizeof buf / 4 : n;
        for (size_t i = 0; i < k; i++)
            (void)put_u32(buf + 4 * i, float_bits(p[i]));
        put(w, buf, 4 * k);
        p += k;
        n -= k;
    }
}

/* After rename the new name lives in the folder's entry; syncing the folder makes the rename
 * itself survive a power cut. Best effort: some file systems refuse fsync on a directory. */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        return;
    int fd = open(dir, O_RDONLY);
    if (fd < 0) return;
    (void)fsync(fd);
    (void)close(fd);
}

int train_checkpoint_save(const char *path, nn_mlp *m, uint64_t key, char *err, size_t errlen)
{
    size_t tmplen = strlen(path) + 32;
    char *tmp = malloc(tmplen);
    if (!tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    snprintf(tmp, tmplen, "%s.tmp.%ld", path, (long)getpid());

    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot create %s: %s", path, tmp, strerror(errno));
        free(tmp);
        return -1;
    }

    int nw = nn_mlp_nwidths(m);
    const int *widths = nn_mlp_widths(m);
    size_t np = nn_mlp_nparams(m);
    unsigned char hdr[8 + 4 + 4 + 4 * (NN_MAX_LAYERS + 1) + 4 + 8 + 8], *p = hdr;
    memcpy(p, MAGIC, 8);
    p = put_u32(p + 8, TRAIN_CKPT_VERSION);
    p = put_u32(p, (uint32_t)nw);
    for (int i = 0; i < nw; i++)
        p = put_u32(p, (uint32_t)widths[i]);
    p = put_u32(p, float_bits(nn_mlp_dropout(m)));
    p = put_u64(p, key);
    p = put_u64(p, (uint64_t)np);

    writer w = {f, crc32(0L, Z_NULL, 0), 0};
    put(&w, hdr, (size_t)(p - hdr));
    put_params(&w, nn_mlp_params(m), np);
    unsigned char trailer[4];
    (void)put_u32(trailer, (uint32_t)w.crc);
    put(&w, trailer, 4);

    const char *op;
    int e = train_atomic_finish(f, tmp, path, w.errnum, &op);
    if (e) snprintf(err, errlen, "%s: %s: %s", path, op, strerror(e));
    free(tmp);
    return e ? -1 : 0;
}

int train_atomic_finish(FILE *f, const char *tmp, const char *path, int write_err,
                        const char **op)
{
    int e = write_err;
    *op = "write failed";
    if (!e && fflush(f) != 0) e = errno ? errno : EIO;
    if (!e && fsync(fileno(f)) != 0) {
        e = errno;
        *op = "sync failed";
    }
    errno = 0;
    if (fclose(f) != 0 && !e) {
        e = errno ? errno : EIO;
        *op = "close failed";
    }
    if (!e && rename(tmp, path) != 0) {
        e = errno ? errno : EIO;
        *op = "rename failed";
    }
    if (e) {
        remove(tmp);
        return e;
    }
    sync_parent(path);
    return 0;
}

/* --- Loading ------------------------------------------------------------------------------ */

typedef struct reader {
    FILE *f;
    const char *path;
    uint64_t size, off; /* file size from fstat; bytes consumed */
    uLong crc;
    char *err;
    size_t errlen;
} reader;

/* n bytes at the current offset into buf, never past the size fstat reported */
static int get(reader *r, void *buf, size_t n, bool in_crc)
{
    if (n > r->size - r->off) {
        snprintf(r->err, r->errlen, "%s: truncated: expected at least %llu bytes, found %llu",
                 r->path, (unsigned long long)(r->off + n), (unsigned long long)r->size);
        return -1;
    }
    if (fread(buf, 1, n, r->f) != n) {
        if (ferror(r->f))
            snprintf(r->err, r->errlen, "%s: read failed: %s", r->path, strerror(errno));
        else
            snprintf(r->err, r->errlen, "%s: truncated while reading (file shrank?)", r->path);
        return -1;
    }
    if (in_crc) r->crc = crc_update(r->crc, buf, n);
    r->off += n;
    return 0;
}

/* the first bytes of a foreign file, printable, for the "found ..." of the message */
static void show_bytes(const unsigned char *b, size_t n, char *out, size_t len)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o + 5 < len; i++) {
        if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\')
            out[o++] = (char)b[i];
        else
            o += (size_t)snprintf(out + o, len - o, "\\x%02x", b[i]);
    }
    out[o] = '\0';
}

nn_mlp *train_checkpoint_load(const char *path, int max_batch, uint64_t *key, char *err,
                              size_t errlen)
{
    unsigned char *pbytes = NULL;
    nn_mlp *m = NULL;
    struct stat st;
    /* refuse folders and devices before opening: fopen on a FIFO would wait for a writer */
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory, not a checkpoint file", path);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file, not a checkpoint", path);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    /* the size of the file actually opened bounds every read and allocation below */
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: cannot stat the opened file", path);
        goto fail;
    }
    if (st.st_size == 0) {
        snprintf(err, errlen, "%s: empty file, not a distillery checkpoint", path);
        goto fail;
    }
    reader r = {f, path, (uint64_t)st.st_size, 0, crc32(0L, Z_NULL, 0), err, errlen};

    unsigned char b[8];
    if (r.size < 8) {
        char found[64];
        size_t got = fread(b, 1, (size_t)r.size, f);
        show_bytes(b, got, found, sizeof found);
        snprintf(err, errlen,
                 "%s: not a distillery checkpoint: expected magic DSTLCKPT, found \"%s\" (a "
                 "%llu-byte file)",
                 path, found, (unsigned long long)r.size);
        goto fail;
    }
    if (get(&r, b, 8, true)) goto fail;
    if (memcmp(b, MAGIC, 8) != 0) {
        char found[64];
        show_bytes(b, 8, found, sizeof found);
        snprintf(err, errlen,
                 "%s: not a distillery checkpoint: expected magic DSTLCKPT, found \"%s\"", path,
                 found);
        goto fail;
    }
    if (get(&r, b, 4, true)) goto fail;
    uint32_t version = get_u32(b);
    if (version != TRAIN_CKPT_VERSION) {
        snprintf(err, errlen, "%s: unsupported checkpoint version: expected %d, found %lu", path,
                 TRAIN_CKPT_VERSION, (unsigned long)version);
        goto fail;
    }
    if (get(&r, b, 4, true)) goto fail;
    uint32_t nwidths = get_u32(b);
    if (nwidths < 2 || nwidths > NN_MAX_LAYERS + 1) {
        snprintf(err, errlen, "%s: bad nwidths: expected 2..%d widths, found %lu", path,
                 NN_MAX_LAYERS + 1, (unsigned long)nwidths);
        goto fail;
    }
    uint32_t w32[NN_MAX_LAYERS + 1];
    int widths[NN_MAX_LAYERS + 1];
    for (uint32_t i = 0; i < nwidths; i++) {
        if (get(&r, b, 4, true)) goto fail;
        w32[i] = get_u32(b);
        if (w32[i] < 1 || w32[i] > (1u << 20)) {
            snprintf(err, errlen, "%s: bad width %lu: expected 1..%d, found %lu", path,
                     (unsigned long)i + 1, 1 << 20, (unsigned long)w32[i]);
            goto fail;
        }
        widths[i] = (int)w32[i];
    }
    if (get(&r, b, 4, true)) goto fail;
    float dropout = bits_float(get_u32(b));
    if (!(dropout >= 0.0f && dropout < 1.0f)) {
        snprintf(err, errlen, "%s: bad dropout: expected a value in [0, 1), found %g", path,
                 (double)dropout);
        goto fail;
    }
    if (get(&r, b, 8, true)) goto fail;
    uint64_t stored_key = get_u64(b);
    if (get(&r, b, 8, true)) goto fail;
    uint64_t nparams = get_u64(b);
    uint64_t want = count_params(w32, nwidths);
    if (want == 0 || nparams != want) {
        char arch[128];
        nn_format_widths(widths, (int)nwidths, arch, sizeof arch);
        snprintf(err, errlen, "%s: nparams mismatch: widths %s need %llu parameters, found %llu",
                 path, arch, (unsigned long long)want, (unsigned long long)nparams);
        goto fail;
    }
    uint64_t hdr = header_size(nwidths);
    if (nparams > (UINT64_MAX - hdr - 4) / 4 || nparams > SIZE_MAX / 4) {
        snprintf(err, errlen, "%s: %llu parameters are too many for this machine", path,
                 (unsigned long long)nparams);
        goto fail;
    }
    uint64_t total = hdr + 4 * nparams + 4;
    if (r.size != total) {
        snprintf(err, errlen, "%s: %s: expected %llu bytes, found %llu", path,
                 r.size < total ? "truncated" : "trailing data", (unsigned long long)total,
                 (unsigned long long)r.size);
        goto fail;
    }

    /* the size now matches the file on disk, so this allocation is bounded by it */
    size_t np = (size_t)nparams;
    pbytes = malloc(np * 4);
    if (!pbytes) {
        snprintf(err, errlen, "%s: out of memory for %zu parameters", path, np);
        goto fail;
    }
    if (get(&r, pbytes, np * 4, true)) goto fail;
    uLong computed = r.crc;
    if (get(&r, b, 4, false)) goto fail;
    uint32_t stored = get_u32(b);
    if (stored != (uint32_t)computed) {
        snprintf(err, errlen, "%s: checksum mismatch: stored 0x%08lx, computed 0x%08lx", path,
                 (unsigned long)stored, (unsigned long)(uint32_t)computed);
        goto fail;
    }

    char merr[256];
    m = nn_mlp_new(widths, (int)nwidths, dropout, max_batch, merr, sizeof merr);
    if (!m) {
        snprintf(err, errlen, "%s: %s", path, merr);
        goto fail;
    }
    float *params = nn_mlp_params(m);
    if (host_is_le())
        memcpy(params, pbytes, np * 4);
    else
        for (size_t i = 0; i < np; i++)
            params[i] = bits_float(get_u32(pbytes + 4 * i));
    free(pbytes);
    fclose(f);
    if (key) *key = stored_key;
    return m;

fail:
    free(pbytes);
    fclose(f);
    return NULL;
}

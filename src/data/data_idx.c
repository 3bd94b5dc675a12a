/* data_idx: IDX files (the MNIST format), raw or gzip, and folders of them such as Debian's
 * Fashion-MNIST. The files come from outside, so every header field is checked before anything
 * sized by it is allocated, and the payload buffer grows only as bytes actually arrive: a
 * ten-byte file that claims to hold 4 GB of pixels costs nothing. zlib reads raw files
 * transparently, which is why both kinds go through gzopen. */
#include "distillery/data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Sanity caps: far above any real IDX set, far below what would hurt to allocate. */
#define IDX_MAX_COUNT 100000000u
#define IDX_MAX_SIDE  4096u
#define IDX_MAX_BYTES (4ull << 30)
/* The first allocation for a payload; it doubles from here up to the size the header gives. */
#define IDX_FIRST_CHUNK (16u << 20)
#define IDX_MAX_READ    (1u << 30)
#define IDX_PATH        4096

typedef char class_name[DATA_CLASS_NAME];

typedef struct idx_file {
    gzFile f;
    const char *path;
    int rank;
    uint32_t dims[3];
} idx_file;

static const char *idx_type_name(int type)
{
    switch (type) {
    case 0x08:
        return "unsigned byte";
    case 0x09:
        return "signed byte";
    case 0x0B:
        return "short";
    case 0x0C:
        return "int";
    case 0x0D:
        return "float";
    case 0x0E:
        return "double";
    default:
        return "not an IDX type";
    }
}

/* Explains a short or failed read: a gzip stream that ended early or is corrupt, else nothing
 * (a raw file that is simply short). Returns 1 when it wrote err. */
static int idx_gz_trouble(idx_file *x, const char *when, char *err, size_t errlen)
{
    int errnum = Z_OK;
    const char *msg = gzerror(x->f, &errnum);
    if (errnum == Z_OK || errnum == Z_STREAM_END) return 0;
    /* zlib's message starts with the path, which ours already names */
    size_t plen = strlen(x->path);
    if (strncmp(msg, x->path, plen) == 0 && strncmp(msg + plen, ": ", 2) == 0) msg += plen + 2;
    if (errnum == Z_BUF_ERROR)
        snprintf(err, errlen, "%s: truncated gzip stream %s (%s)", x->path, when, msg);
    else if (errnum == Z_ERRNO)
        snprintf(err, errlen, "%s: read error %s: %s", x->path, when, strerror(errno));
    else /* no "when": zlib reads ahead, so damage anywhere can surface at the first read */
        snprintf(err, errlen, "%s: corrupt gzip data (%s)", x->path, msg);
    return 1;
}

/* Reads up to len bytes, len <= 1 GiB (gzread takes an unsigned and returns an int); returns how
 * many, fewer only at the end of the stream, or -1 after a zlib error (err filled). */
static long idx_read(idx_file *x, void *buf, size_t len, const char *when, char *err, size_t errlen)
{
    size_t got = 0;
    while (got < len) {
        int r = gzread(x->f, (uint8_t *)buf + got, (unsigned)(len - got));
        if (r < 0) {
            if (!idx_gz_trouble(x, when, err, errlen))
                snprintf(err, errlen, "%s: read error %s", x->path, when);
            return -1;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    return (long)got;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void idx_close(idx_file *x)
{
    if (x->f) gzclose_r(x->f);
    x->f = NULL;
}

/* Opens path and reads and checks its header: magic, type, rank, dimensions and caps. */
static int idx_open(idx_file *x, const char *path, int rank, char *err, size_t errlen)
{
    static const char *dim_names[2][3] = {{"count"}, {"count", "rows", "cols"}};
    const char *what = rank == 3 ? "images: count, rows, cols" : "labels: count";
    uint32_t want_magic = 0x0800u | (uint32_t)rank;
    uint8_t h[16];

    memset(x, 0, sizeof *x);
    x->path = path;
    x->rank = rank;
    errno = 0;
    x->f = gzopen(path, "rb");
    if (!x->f) {
        snprintf(err, errlen, "%s: cannot open: %s", path,
                 errno ? strerror(errno) : "out of memory");
        return -1;
    }
    gzbuffer(x->f, 1u << 17);

    long got = idx_read(x, h, 4, "in the header", err, errlen);
    if (got < 0) return -1;
    if (got < 4) {
        if (idx_gz_trouble(x, "in the header", err, errlen)) return -1;
        snprintf(err, errlen,
                 "%s: truncated header: expected a 4-byte IDX magic 0x%08x, found %ld bytes", path,
                 want_magic, got);
        return -1;
    }
    uint32_t magic = be32(h);
    if (h[0] != 0 || h[1] != 0) {
        snprintf(err, errlen, "%s: bad magic: expected 0x%08x (ubyte, rank %d), found 0x%08x", path,
                 want_magic, rank, magic);
        return -1;
    }
    if (h[2] != 0x08) {
        snprintf(err, errlen,
                 "%s: unsupported element type: expected 0x08 (unsigned byte), found 0x%02x (%s)",
                 path, h[2], idx_type_name(h[2]));
        return -1;
    }
    if (h[3] != rank) {
        snprintf(err, errlen, "%s: wrong rank: expected %d (%s), found %d", path, rank, what, h[3]);
        return -1;
    }

    got = idx_read(x, h, 4 * (size_t)rank, "in the header", err, errlen);
    if (got < 0) return -1;
    if (got < 4 * rank) {
        if (idx_gz_trouble(x, "in the header", err, errlen)) return -1;
        snprintf(err, errlen,
                 "%s: truncated header: expected %d bytes of dimensions (%s), found %ld", path,
                 4 * rank, what, got);
        return -1;
    }
    for (int i = 0; i < rank; i++) {
        x->dims[i] = be32(h + 4 * i);
        const char *name = dim_names[rank == 3][i];
        if (x->dims[i] == 0) {
            snprintf(err, errlen, "%s: zero dimension: expected %s > 0, found 0", path, name);
            return -1;
        }
        uint32_t cap = i == 0 ? IDX_MAX_COUNT : IDX_MAX_SIDE;
        if (x->dims[i] > cap) {
            snprintf(err, errlen, "%s: too large: expected %s <= %u, found %u", path, name, cap,
                     x->dims[i]);
            return -1;
        }
    }
    if (rank == 3) {
        /* each factor is capped above, so the 64-bit product cannot overflow */
        uint64_t total = (uint64_t)x->dims[0] * x->dims[1] * x->dims[2];
        if (total > IDX_MAX_BYTES || total > SIZE_MAX) {
            snprintf(err, errlen,
                     "%s: too large: %u images of %ux%u make %llu bytes, expected at most %llu",
                     path, x->dims[0], x->dims[1], x->dims[2], (unsigned long long)total,
                     (unsigned long long)IDX_MAX_BYTES);
            return -1;
        }
    }
    return 0;
}

/* Reads exactly expected payload bytes and makes sure nothing follows them. The buffer grows as
 * data arrives, so its size is bounded by the file's real content, not by its header. */
static int idx_payload(idx_file *x, size_t expected, const char *what, uint8_t **out, char *err,
                       size_t errlen)
{
    size_t cap = expected < IDX_FIRST_CHUNK ? expected : IDX_FIRST_CHUNK;
    size_t got = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) goto oom;
    while (got < expected) {
        if (got == cap) {
            size_t ncap = cap > expected / 2 ? expected : 2 * cap;
            uint8_t *nbuf = realloc(buf, ncap);
            if (!nbuf) goto oom;
            buf = nbuf;
            cap = ncap;
        }
        size_t want = cap - got < IDX_MAX_READ ? cap - got : IDX_MAX_READ;
        long r = idx_read(x, buf + got, want, "in the payload", err, errlen);
        if (r < 0) goto fail;
        got += (size_t)r;
        if ((size_t)r < want) break; /* end of the stream */
    }
    if (got < expected) {
        int errnum = Z_OK;
        gzerror(x->f, &errnum);
        if (errnum == Z_BUF_ERROR)
            snprintf(err, errlen,
                     "%s: truncated gzip stream: expected %zu bytes of %s, found %zu before it "
                     "ended",
                     x->path, expected, what, got);
        else if (!idx_gz_trouble(x, "in the payload", err, errlen))
            snprintf(err, errlen, "%s: truncated: expected %zu bytes of %s, found %zu", x->path,
                     expected, what, got);
        goto fail;
    }

    uint8_t extra[4096];
    long more = idx_read(x, extra, sizeof extra, "after the payload", err, errlen);
    if (more < 0) goto fail;
    if (more > 0) {
        snprintf(err, errlen, "%s: trailing bytes: expected %zu bytes of %s, found %s%ld more",
                 x->path, expected, what, more == (long)sizeof extra ? "at least " : "", more);
        goto fail;
    }
    /* a gzip stream cut inside its trailer only shows up now, at the end */
    if (idx_gz_trouble(x, "at its end", err, errlen)) goto fail;
    *out = buf;
    return 0;
oom:
    snprintf(err, errlen, "%s: out of memory for %zu bytes of %s", x->path, expected, what);
fail:
    free(buf);
    return -1;
}

/* Closes and reports what only the close can tell (zlib's last word on a damaged stream). */
static int idx_finish(idx_file *x, char *err, size_t errlen)
{
    int rc = gzclose_r(x->f);
    x->f = NULL;
    if (rc == Z_OK) return 0;
    if (rc == Z_BUF_ERROR)
        snprintf(err, errlen, "%s: truncated gzip stream: it ends before its trailer", x->path);
    else
        snprintf(err, errlen, "%s: error reading the gzip stream (zlib error %d)", x->path, rc);
    return -1;
}

/* name = the base name of a folder path, trailing slashes ignored. */
static void folder_name(char *name, size_t size, const char *dir)
{
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    size_t start = len;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    if (start == len) start = 0; /* "/" itself */
    snprintf(name, size, "%.*s", (int)(len - start), dir + start);
}

/* The base name of the folder an images file sits in; "." is looked up, so that a set loaded
 * from the current folder still gets a name a person recognises. */
static void idx_set_name(char *name, size_t size, const char *images_path)
{
    char dir[IDX_PATH];
    const char *slash = strrchr(images_path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == images_path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - images_path), images_path);
    folder_name(name, size, dir);
    if (strcmp(name, ".") == 0 && getcwd(dir, sizeof dir)) folder_name(name, size, dir);
}

/* Class names "0".."n-1". */
static class_name *numbered_names(int n)
{
    class_name *names = calloc((size_t)n, sizeof *names);
    if (names)
        for (int c = 0; c < n; c++)
            snprintf(names[c], DATA_CLASS_NAME, "%d", c);
    return names;
}

int data_idx_load(data_set *out, const char *images_path, const char *labels_path, int max_classes,
                  char *err, size_t errlen)
{
    idx_file im = {0}, lb = {0};
    uint8_t *pixels = NULL, *labels = NULL;
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (max_classes <= 0 || max_classes > DATA_MAX_CLASSES) max_classes = DATA_MAX_CLASSES;
    if (idx_open(&im, images_path, 3, err, errlen)) goto done;
    if (idx_open(&lb, labels_path, 1, err, errlen)) goto done;
    if (im.dims[0] != lb.dims[0]) {
        snprintf(err, errlen,
                 "%s: count mismatch: expected %u labels (one per image in %s), found %u",
                 labels_path, im.dims[0], images_path, lb.dims[0]);
        goto done;
    }
    size_t n = im.dims[0], dim = (size_t)im.dims[1] * im.dims[2];
    if (idx_payload(&im, n * dim, "pixels", &pixels, err, errlen)) goto done;
    if (idx_finish(&im, err, errlen)) goto done;
    if (idx_payload(&lb, n, "labels", &labels, err, errlen)) goto done;
    if (idx_finish(&lb, err, errlen)) goto done;

    int top = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] >= max_classes) {
            snprintf(err, errlen,
                     "%s: label out of range: expected labels below %d, found %d at index %zu",
                     labels_path, max_classes, labels[i], i);
            goto done;
        }
        if (labels[i] > top) top = labels[i];
    }

    out->class_names = numbered_names(top + 1);
    if (!out->class_names) {
        snprintf(err, errlen, "%s: out of memory for class names", labels_path);
        goto done;
    }
    idx_set_name(out->name, sizeof out->name, images_path);
    out->n = (int)n;
    out->rows = (int)im.dims[1];
    out->cols = (int)im.dims[2];
    out->dim = (int)dim;
    out->nclasses = top + 1;
    out->pixels = pixels;
    out->labels = labels;
    pixels = labels = NULL;
    rc = 0;
done:
    idx_close(&im);
    idx_close(&lb);
    free(pixels);
    free(labels);
    if (rc) data_free(out);
    return rc;
}

/* --- MNIST-format folders ----------------------------------------------------------------- */

/* Finds split-kind-rank(.gz) in dir under the names MNIST's own files and their copies use. */
static int find_idx(char *path, size_t size, const char *dir, const char *split, const char *kind,
                    const char *rank, char *err, size_t errlen)
{
    char tried[4][64];
    snprintf(tried[0], sizeof tried[0], "%s-%s-%s-ubyte", split, kind, rank);
    snprintf(tried[1], sizeof tried[1], "%s-%s-%s-ubyte.gz", split, kind, rank);
    snprintf(tried[2], sizeof tried[2], "%s-%s.%s-ubyte", split, kind, rank);
    snprintf(tried[3], sizeof tried[3], "%s-%s.%s-ubyte.gz", split, kind, rank);
    for (int i = 0; i < 4; i++) {
        if (snprintf(path, size, "%s/%s", dir, tried[i]) >= (int)size) {
            snprintf(err, errlen, "%s: path too long", dir);
            return -1;
        }
        if (access(path, F_OK) == 0) return 0;
    }
    snprintf(err, errlen, "%s: no %s %s file: tried %s, %s, %s, %s", dir, split, kind, tried[0],
             tried[1], tried[2], tried[3]);
    return -1;
}

/* Reads classes.txt: one name per line, at least need of them. Returns the count, 0 when the
 * file does not exist, or -1 with err. */
static int read_class_names(const char *path, int need, class_name **names, char *err,
                            size_t errlen)
{
    enum { MAX_FILE = 64 * 1024 };
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(MAX_FILE + 1);
    if (!text) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    size_t len = fread(text, 1, MAX_FILE + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || len > MAX_FILE) {
        snprintf(err, errlen, bad ? "%s: read error" : "%s: too large: expected at most %d bytes",
                 path, MAX_FILE);
        free(text);
        return -1;
    }
    text[len] = '\0';
    /* trailing blank lines are not names */
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ' ||
                       text[len - 1] == '\t'))
        text[--len] = '\0';

    class_name *out = calloc(DATA_MAX_CLASSES, sizeof *out);
    int count = 0, rc = -1;
    if (!out) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto done;
    }
    for (char *line = text; len > 0 && line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            n--;
        if (n == 0) {
            snprintf(err, errlen, "%s: line %d is empty: expected one class name per line", path,
                     count + 1);
            goto done;
        }
        if (n >= DATA_CLASS_NAME) {
            snprintf(err, errlen,
                     "%s: line %d: expected a name of at most %d characters, found %zu", path,
                     count + 1, DATA_CLASS_NAME - 1, n);
            goto done;
        }
        if (count == DATA_MAX_CLASSES) {
            snprintf(err, errlen, "%s: expected at most %d class names, found more", path,
                     DATA_MAX_CLASSES);
            goto done;
        }
        memcpy(out[count++], line, n);
        line = nl ? nl + 1 : NULL;
    }
    if (count < need) {
        snprintf(err, errlen, "%s: expected at least %d class names (labels go up to %d), found %d",
                 path, need, need - 1, count);
        goto done;
    }
    *names = out;
    out = NULL;
    rc = count;
done:
    free(out);
    free(text);
    return rc;
}

/* Gives both splits their own copy of n class names: names (n, DATA_CLASS_NAME). */
static int set_class_names(data_set *train, data_set *test, const void *names, int n)
{
    data_set *sets[2] = {train, test};
    for (int s = 0; s < 2; s++) {
        class_name *copy = calloc((size_t)n, sizeof *copy);
        if (!copy) return -1;
        memcpy(copy, names, (size_t)n * sizeof *copy);
        free(sets[s]->class_names);
        sets[s]->class_names = copy;
        sets[s]->nclasses = n;
    }
    return 0;
}

int data_load_dir(data_set *train, data_set *test, const char *dir, char *err, size_t errlen)
{
    char ipath[IDX_PATH], lpath[IDX_PATH], cpath[IDX_PATH];
    class_name *names = NULL;
    struct stat st;

    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (stat(dir, &st) != 0) {
        snprintf(err, errlen, "%s: cannot open folder: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: expected a folder of IDX files, found a file", dir);
        return -1;
    }
    if (find_idx(ipath, sizeof ipath, dir, "train", "images", "idx3", err, errlen) ||
        find_idx(lpath, sizeof lpath, dir, "train", "labels", "idx1", err, errlen) ||
        data_idx_load(train, ipath, lpath, DATA_MAX_CLASSES, err, errlen))
        goto fail;
    if (find_idx(ipath, sizeof ipath, dir, "t10k", "images", "idx3", err, errlen) ||
        find_idx(lpath, sizeof lpath, dir, "t10k", "labels", "idx1", err, errlen) ||
        data_idx_load(test, ipath, lpath, DATA_MAX_CLASSES, err, errlen))
        goto fail;
    if (train->rows != test->rows || train->cols != test->cols) {
        snprintf(err, errlen,
                 "%s: image sizes differ: expected the test images to be %dx%d like "
                 "the training images, found %dx%d",
                 dir, train->rows, train->cols, test->rows, test->cols);
        goto fail;
    }

    int nclasses = train->nclasses > test->nclasses ? train->nclasses : test->nclasses;
    if (snprintf(cpath, sizeof cpath, "%s/classes.txt", dir) >= (int)sizeof cpath) {
        snprintf(err, errlen, "%s: path too long", dir);
        goto fail;
    }
    int named = read_class_names(cpath, nclasses, &names, err, errlen);
    if (named < 0) goto fail;
    if (named > 0) nclasses = named;
    if (!names && !(names = numbered_names(nclasses))) {
        snprintf(err, errlen, "%s: out of memory for class names", dir);
        goto fail;
    }
    if (set_class_names(train, test, names, nclasses)) {
        snprintf(err, errlen, "%s: out of memory for class names", dir);
        goto fail;
    }
    free(names);
    folder_name(train->name, sizeof train->name, dir);
    folder_name(test->name, sizeof test->name, dir);
    return 0;
fail:
    free(names);
    data_free(train);
    data_free(test);
    return -1;
}

int data_fashion_mnist(data_set *train, data_set *test, const char *dir, char *err, size_t errlen)
{
    static const class_name fashion[10] = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                           "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                           "Bag",         "Ankle boot"};
    struct stat st;

    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (!dir) dir = DATA_FASHION_DIR;
    if (stat(dir, &st) != 0) {
        snprintf(err, errlen,
                 "%s: Fashion-MNIST not found (%s): install the Debian package "
                 "dataset-fashion-mnist, or give the folder that holds its IDX files",
                 dir, strerror(errno));
        return -1;
    }
    if (data_load_dir(train, test, dir, err, errlen)) return -1;
    if (train->nclasses > 10 || test->nclasses > 10) {
        /* a classes.txt may have raised nclasses; only labels beyond 9 are wrong */
        for (int s = 0; s < 2; s++) {
            const data_set *d = s ? test : train;
            for (int i = 0; i < d->n; i++) {
                if (d->labels[i] >= 10) {
                    snprintf(err, errlen,
                             "%s: expected Fashion-MNIST's labels 0-9, found %d in the %s split "
                             "at index %d",
                             dir, d->labels[i], s ? "test" : "training", i);
                    data_free(train);
                    data_free(test);
                    return -1;
                }
            }
        }
    }
    if (set_class_names(train, test, fashion, 10)) {
        snprintf(err, errlen, "%s: out of memory for class names", dir);
        data_free(train);
        data_free(test);
        return -1;
    }
    snprintf(train->name, sizeof train->name, "fashion-mnist");
    snprintf(test->name, sizeof test->name, "fashion-mnist");
    return 0;
}

/* data_pngdir: ImageFolder-style PNG folders into data_sets (the rules are in data_pngdir.h).
 * The work is in three steps: list the folders into a plan (which file, which label, which split),
 * decode each file to greyscale bytes, and fit it into rows x cols. A file is read whole into
 * memory and libpng reads from that buffer, so a short file can only end in a clean "truncated"
 * error, never a read past the end; its IHDR is checked by hand before libpng allocates anything,
 * and libpng's own user limits stay on behind that check. */
#include "distillery/data_pngdir.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define PNGDIR_MAX_FILE ((long long)1 << 30)
#define PNGDIR_MSG      512
/* every 6th image of a class goes to test when DIR has no train/ and test/ */
#define PNGDIR_TEST_EVERY 6

data_pngdir_config data_pngdir_defaults(void)
{
    data_pngdir_config c = {0, 0, false};
    return c;
}

/* ---- Listing ----------------------------------------------------------------------------- */

typedef struct pd_names {
    char **v;
    int n, cap;
} pd_names;

typedef struct pd_class {
    char *name;
    pd_names files; /* base names, sorted */
} pd_class;

typedef struct pd_split {
    char *path; /* the folder holding the class folders */
    pd_class *cls;
    int ncls;
} pd_split;

static void names_free(pd_names *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int names_push(pd_names *s, const char *name)
{
    if (s->n == s->cap) {
        if (s->cap > INT_MAX / 2 - 1) return -1;
        int cap = s->cap ? 2 * s->cap : 16;
        char **v = realloc(s->v, (size_t)cap * sizeof *v);
        if (!v) return -1;
        s->v = v;
        s->cap = cap;
    }
    size_t len = strlen(name);
    char *copy = malloc(len + 1);
    if (!copy) return -1;
    memcpy(copy, name, len + 1);
    s->v[s->n++] = copy;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *path_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);
    if (!p) return NULL;
    memcpy(p, a, la);
    p[la] = '/';
    memcpy(p + la + 1, b, lb + 1);
    return p;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool ends_png(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".png") == 0;
}

/* The entries of dir that are folders (want_dirs) or regular .png files, sorted; hidden entries
 * are left out so .git or a desktop's thumbnail cache never becomes a class. */
static int list_dir(const char *dir, bool want_dirs, pd_names *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot open folder: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (!want_dirs && !ends_png(e->d_name)) continue;
        char *p = path_join(dir, e->d_name);
        struct stat st;
        bool keep = p && stat(p, &st) == 0 && (want_dirs ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
        free(p);
        if (keep && names_push(out, e->d_name) != 0) {
            closedir(d);
            names_free(out);
            snprintf(err, errlen, "%s: out of memory listing the folder", dir);
            return -1;
        }
    }
    closedir(d);
    if (out->n > 1) qsort(out->v, (size_t)out->n, sizeof *out->v, cmp_str);
    return 0;
}

static void split_free(pd_split *s)
{
    for (int i = 0; i < s->ncls; i++) {
        free(s->cls[i].name);
        names_free(&s->cls[i].files);
    }
    free(s->cls);
    free(s->path);
    memset(s, 0, sizeof *s);
}

/* Lists path's class folders and their .png files into out. */
static int split_list(pd_split *out, const char *path, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    pd_names classes;
    if (list_dir(path, true, &classes, err, errlen) != 0) return -1;
    if (classes.n == 0) {
        snprintf(err, errlen,
                 "%s: no class folders (expected CLASS/*.png, or train/CLASS/*.png and "
                 "test/CLASS/*.png)",
                 path);
        names_free(&classes);
        return -1;
    }
    if (classes.n > DATA_MAX_CLASSES) {
        snprintf(err, errlen, "%s: %d class folders, at most %d", path, classes.n,
                 DATA_MAX_CLASSES);
        names_free(&classes);
        return -1;
    }
    out->path = malloc(strlen(path) + 1);
    out->cls = calloc((size_t)classes.n, sizeof *out->cls);
    if (!out->path || !out->cls) {
        names_free(&classes);
        split_free(out);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    strcpy(out->path, path);
    /* the names move into the classes; only the array is left to free */
    for (int i = 0; i < classes.n; i++) {
        out->cls[i].name = classes.v[i];
        out->ncls++;
    }
    free(classes.v);
    for (int i = 0; i < out->ncls; i++) {
        char *cdir = path_join(path, out->cls[i].name);
        if (!cdir) {
            snprintf(err, errlen, "%s: out of memory", path);
            split_free(out);
            return -1;
        }
        int rc = list_dir(cdir, false, &out->cls[i].files, err, errlen);
        if (rc == 0 && out->cls[i].files.n == 0) {
            snprintf(err, errlen, "%s: empty class folder (no .png files)", cdir);
            rc = -1;
        }
        free(cdir);
        if (rc != 0) {
            split_free(out);
            return -1;
        }
    }
    return 0;
}

/* ---- Decoding ---------------------------------------------------------------------------- */

/* Lives on the heap, not the stack: it changes between setjmp and a longjmp, and only objects
 * that are not automatic keep their values across one. */
typedef struct pd_png {
    const uint8_t *buf;
    size_t len, pos;
    uint8_t *img;    /* (h, rowbytes) */
    png_bytep *rows; /* (h) */
    char msg[PNGDIR_MSG];
} pd_png;

static void pd_png_error(png_structp png, png_const_charp msg)
{
    pd_png *c = png_get_error_ptr(png);
    snprintf(c->msg, sizeof c->msg, "%s", msg);
    png_longjmp(png, 1);
}

/* Warnings (an ancillary chunk with a bad CRC, an odd sRGB profile) do not stop a read, and a
 * workbench drawing a terminal UI must not print them. */
static void pd_png_warning(png_structp png, png_const_charp msg)
{
}

static void pd_png_read(png_structp png, png_bytep out, size_t n)
{
    pd_png *c = png_get_io_ptr(png);
    if (n > c->len - c->pos) png_error(png, "truncated file");
    memcpy(out, c->buf + c->pos, n);
    c->pos += n;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Reads a whole file; -1 with msg when it cannot. */
static int read_whole(const char *path, uint8_t **buf, size_t *len, char *msg, size_t msglen)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(msg, msglen, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(msg, msglen, "not a regular file");
        fclose(f);
        return -1;
    }
    if ((long long)st.st_size > PNGDIR_MAX_FILE) {
        snprintf(msg, msglen, "file too large (%lld bytes, at most %lld)", (long long)st.st_size,
                 PNGDIR_MAX_FILE);
        fclose(f);
        return -1;
    }
    size_t want = (size_t)st.st_size;
    uint8_t *b = malloc(want ? want : 1);
    if (!b) {
        snprintf(msg, msglen, "out of memory");
        fclose(f);
        return -1;
    }
    /* the file may shrink while read; what arrived is what counts */
    size_t got = fread(b, 1, want, f);
    if (ferror(f)) {
        snprintf(msg, msglen, "read error");
        free(b);
        fclose(f);
        return -1;
    }
    fclose(f);
    *buf = b;
    *len = got;
    return 0;
}

/* The signature and IHDR, checked by hand so that nothing is allocated for a file whose header
 * is wrong or claims a huge image. */
static int check_header(const uint8_t *b, size_t len, uint32_t *w, uint32_t *h, char *msg,
                        size_t msglen)
{
    if (len == 0) {
        snprintf(msg, msglen, "empty file");
        return -1;
    }
    size_t sig = len < 8 ? len : 8;
    if (png_sig_cmp(b, 0, sig) != 0) {
        snprintf(msg, msglen, "not a PNG (bad signature)");
        return -1;
    }
    if (len < 8 + 8 + 13 + 4) {
        snprintf(msg, msglen, "truncated file (%zu bytes, no complete IHDR)", len);
        return -1;
    }
    if (be32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4) != 0) {
        snprintf(msg, msglen, "not a PNG (first chunk is not a 13-byte IHDR)");
        return -1;
    }
    *w = be32(b + 16);
    *h = be32(b + 20);
    if (*w == 0 || *h == 0) {
        snprintf(msg, msglen, "zero dimensions (%u x %u)", *w, *h);
        return -1;
    }
    if (*w > DATA_PNG_MAX_SIDE || *h > DATA_PNG_MAX_SIDE ||
        (uint64_t)*w * *h > (uint64_t)DATA_PNG_MAX_PIXELS) {
        snprintf(msg, msglen, "huge dimensions (%u x %u; at most %d a side and %ld Mpixel)", *w, *h,
                 DATA_PNG_MAX_SIDE, DATA_PNG_MAX_PIXELS >> 20);
        return -1;
    }
    return 0;
}

/* Decodes the PNG in b (len) into *out (h, w) greyscale bytes, caller frees; -1 with msg. */
static int decode_gray(const uint8_t *b, size_t len, uint8_t **out, int *wout, int *hout,
                       char *msg, size_t msglen)
{
    uint32_t w, h;
    *out = NULL;
    if (check_header(b, len, &w, &h, msg, msglen) != 0) return -1;

    pd_png *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    c->buf = b;
    c->len = len;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, pd_png_error,
                                             pd_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        if (png) png_destroy_read_struct(&png, NULL, NULL);
        free(c);
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        snprintf(msg, msglen, "%s", c->msg[0] ? c->msg : "libpng error");
        png_destroy_read_struct(&png, &info, NULL);
        free(c->img);
        free(c->rows);
        free(c);
        return -1;
    }
    png_set_read_fn(png, c, pd_png_read);
    /* behind check_header, in case libpng ever reads a size from elsewhere */
    png_set_user_limits(png, DATA_PNG_MAX_SIDE, DATA_PNG_MAX_SIDE);
    /* ancillary chunks (text, ICC profiles) are not needed: keep them from costing memory */
    png_set_chunk_cache_max(png, 1000);
    png_set_chunk_malloc_max(png, 8u << 20);
    png_read_info(png, info);

    png_set_expand(png);      /* palette to RGB, 1/2/4-bit grey to 8, tRNS to alpha */
    png_set_strip_16(png);    /* 16-bit samples: the high byte */
    png_set_strip_alpha(png); /* dropped, as torchvision does (see the header) */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    uint32_t iw = png_get_image_width(png, info), ih = png_get_image_height(png, info);
    int channels = png_get_channels(png, info), depth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (iw != w || ih != h || depth != 8 || (channels != 1 && channels != 3) ||
        rowbytes != (size_t)w * (size_t)channels)
        png_error(png, "unsupported pixel format after conversion");

    c->img = malloc(rowbytes * h);
    c->rows = malloc(sizeof *c->rows * h);
    if (!c->img || !c->rows) png_error(png, "out of memory");
    for (uint32_t y = 0; y < h; y++)
        c->rows[y] = c->img + (size_t)y * rowbytes;
    png_read_image(png, c->rows);
    /* reading on to IEND catches a file cut off after its image data */
    png_read_end(png, NULL);

    size_t npix = (size_t)w * h;
    if (channels == 3) {
        /* in place: pixel i is written at i, read from 3i >= i */
        uint8_t *p = c->img;
        for (size_t i = 0; i < npix; i++) {
            uint32_t r = p[3 * i], g = p[3 * i + 1], bl = p[3 * i + 2];
            p[i] = (uint8_t)((19595u * r + 38470u * g + 7471u * bl + 32768u) >> 16);
        }
    }
    *out = c->img;
    *wout = (int)w;
    *hout = (int)h;
    png_destroy_read_struct(&png, &info, NULL);
    free(c->rows);
    free(c);
    return 0;
}

/* ---- Resizing ---------------------------------------------------------------------------- */

/* Area-weighted box filter: dst (dh, dw) from src (sh, sw). Along x, source pixel i covers
 * [i*dw, (i+1)*dw) and destination pixel x covers [x*sw, (x+1)*sw) in units of 1/(sw*dw) of the
 * image width, so every overlap is an integer and the weights of one destination pixel sum to sw
 * (likewise sh along y). tmp is (sh, dw) uint32: at most 255 * 16384 each. */
static void box_resize(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh,
                       uint32_t *tmp)
{
    for (int y = 0; y < sh; y++) {
        const uint8_t *row = src + (size_t)y * sw;
        for (int x = 0; x < dw; x++) {
            int64_t lo = (int64_t)x * sw, hi = lo + sw;
            int i0 = (int)(lo / dw), i1 = (int)((hi + dw - 1) / dw);
            uint32_t acc = 0;
            for (int i = i0; i < i1 && i < sw; i++) {
                int64_t a = (int64_t)i * dw, bnd = a + dw;
                int64_t ov = (bnd < hi ? bnd : hi) - (a > lo ? a : lo);
                if (ov > 0) acc += (uint32_t)ov * row[i];
            }
            tmp[(size_t)y * dw + x] = acc;
        }
    }
    uint64_t denom = (uint64_t)sw * (uint64_t)sh;
    for (int y = 0; y < dh; y++) {
        int64_t lo = (int64_t)y * sh, hi = lo + sh;
        int j0 = (int)(lo / dh), j1 = (int)((hi + dh - 1) / dh);
        for (int x = 0; x < dw; x++) {
            uint64_t acc = 0;
            for (int j = j0; j < j1 && j < sh; j++) {
                int64_t a = (int64_t)j * dh, bnd = a + dh;
                int64_t ov = (bnd < hi ? bnd : hi) - (a > lo ? a : lo);
                if (ov > 0) acc += (uint64_t)ov * tmp[(size_t)j * dw + x];
            }
            dst[(size_t)y * dw + x] = (uint8_t)((acc + denom / 2) / denom);
        }
    }
}

/* ---- Loading ----------------------------------------------------------------------------- */

typedef struct pd_item {
    const char *dir;  /* the class folder's parent (borrowed from a pd_split) */
    const char *cls;  /* borrowed */
    const char *file; /* borrowed */
    int label;
} pd_item;

typedef struct pd_state {
    const data_pngdir_config *cfg;
    int rows, cols; /* 0 until known */
    int skipped;
    char first[PNGDIR_MSG * 2];
} pd_state;

/* Decodes items (n) into out, fitting each to st's size (set by the first image read when
 * unknown). A bad file is skipped and noted in st, or fails the load when strict. */
static int load_items(data_set *out, const pd_item *items, int n, pd_state *st,
                      const char *where, char *err, size_t errlen)
{
    out->labels = malloc((size_t)n);
    if (!out->labels) {
        snprintf(err, errlen, "%s: out of memory", where);
        return -1;
    }
    size_t cap = 0; /* samples pixels has room for; allocated once the size is known */
    for (int k = 0; k < n; k++) {
        const pd_item *it = &items[k];
        size_t plen = strlen(it->dir) + strlen(it->cls) + strlen(it->file) + 3;
        char *path = malloc(plen);
        if (!path) {
            snprintf(err, errlen, "%s: out of memory", where);
            return -1;
        }
        snprintf(path, plen, "%s/%s/%s", it->dir, it->cls, it->file);

        char msg[PNGDIR_MSG] = "";
        uint8_t *file = NULL, *img = NULL;
        size_t flen = 0;
        int w = 0, h = 0;
        int rc = read_whole(path, &file, &flen, msg, sizeof msg);
        if (rc == 0) rc = decode_gray(file, flen, &img, &w, &h, msg, sizeof msg);
        free(file);
        if (rc != 0) {
            if (st->cfg->strict) {
                snprintf(err, errlen, "%s: %s", path, msg);
                free(path);
                return -1;
            }
            if (st->skipped++ == 0) snprintf(st->first, sizeof st->first, "%s: %s", path, msg);
            free(path);
            continue;
        }
        free(path);

        if (st->rows == 0) {
            st->rows = h;
            st->cols = w;
        }
        size_t dim = (size_t)st->rows * (size_t)st->cols;
        if (cap == 0) {
            /* dim <= 64 Mpixel; n * dim is checked against size_t before it is asked for */
            if ((size_t)n > SIZE_MAX / dim) {
                free(img);
                snprintf(err, errlen, "%s: %d images of %zu pixels do not fit in memory", where,
                         n, dim);
                return -1;
            }
            out->pixels = malloc((size_t)n * dim);
            if (!out->pixels) {
                free(img);
                snprintf(err, errlen, "%s: out of memory for %d images of %zu pixels", where, n,
                         dim);
                return -1;
            }
            cap = (size_t)n;
        }
        uint8_t *dst = out->pixels + (size_t)out->n * dim;
        if (w == st->cols && h == st->rows) {
            memcpy(dst, img, dim);
        } else {
            uint32_t *tmp = malloc((size_t)h * (size_t)st->cols * sizeof *tmp);
            if (!tmp) {
                free(img);
                snprintf(err, errlen, "%s: out of memory resizing", where);
                return -1;
            }
            box_resize(img, w, h, dst, st->cols, st->rows, tmp);
            free(tmp);
        }
        free(img);
        out->labels[out->n++] = (uint8_t)it->label;
    }
    if (out->n > 0 && (size_t)out->n < cap) {
        /* give back what skipped files left unused */
        uint8_t *p = realloc(out->pixels, (size_t)out->n * (size_t)st->rows * (size_t)st->cols);
        if (p) out->pixels = p;
    }
    return 0;
}

static int fill_meta(data_set *d, const char *name, const pd_split *classes, const pd_state *st,
                     char *err, size_t errlen)
{
    snprintf(d->name, sizeof d->name, "%s", name);
    d->rows = st->rows;
    d->cols = st->cols;
    d->dim = st->rows * st->cols;
    d->nclasses = classes->ncls;
    d->class_names = calloc((size_t)classes->ncls, sizeof *d->class_names);
    if (!d->class_names) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    for (int c = 0; c < classes->ncls; c++)
        snprintf(d->class_names[c], DATA_CLASS_NAME, "%.*s", DATA_CLASS_NAME - 1,
                 classes->cls[c].name);
    return 0;
}

/* The folder's base name, trailing slashes ignored ("data/pets/" gives "pets"). */
static void base_name(const char *dir, char *out, size_t outlen)
{
    size_t end = strlen(dir);
    while (end > 1 && dir[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    if (start == end) { /* "/" */
        snprintf(out, outlen, "%s", dir);
        return;
    }
    snprintf(out, outlen, "%.*s", (int)(end - start), dir + start);
}

/* The train and test class lists must agree name for name. */
static int same_classes(const pd_split *a, const pd_split *b, char *err, size_t errlen)
{
    int i = 0, j = 0;
    while (i < a->ncls || j < b->ncls) {
        int c = i >= a->ncls ? 1 : j >= b->ncls ? -1 : strcmp(a->cls[i].name, b->cls[j].name);
        if (c < 0) {
            snprintf(err, errlen, "class sets differ: %s/%s has no counterpart in %s", a->path,
                     a->cls[i].name, b->path);
            return -1;
        }
        if (c > 0) {
            snprintf(err, errlen, "class sets differ: %s/%s has no counterpart in %s", b->path,
                     b->cls[j].name, a->path);
            return -1;
        }
        i++;
        j++;
    }
    return 0;
}

/* Each split's items in (class, file name) order. In the one-folder form (tr == te) the sorted
 * position within the class decides the split. */
static int make_plan(const pd_split *tr, const pd_split *te, pd_item **trv, int *ntr,
                     pd_item **tev, int *nte, char *err, size_t errlen)
{
    bool one = tr == te;
    long long total_tr = 0, total_te = 0;
    for (int c = 0; c < tr->ncls; c++) {
        int nf = tr->cls[c].files.n;
        if (one) {
            total_te += nf / PNGDIR_TEST_EVERY;
            total_tr += nf - nf / PNGDIR_TEST_EVERY;
        } else {
            total_tr += nf;
            total_te += te->cls[c].files.n;
        }
    }
    if (total_tr > INT_MAX || total_te > INT_MAX) {
        snprintf(err, errlen, "%s: too many images", tr->path);
        return -1;
    }
    *trv = malloc((size_t)(total_tr ? total_tr : 1) * sizeof **trv);
    *tev = malloc((size_t)(total_te ? total_te : 1) * sizeof **tev);
    if (!*trv || !*tev) {
        snprintf(err, errlen, "%s: out of memory", tr->path);
        return -1;
    }
    *ntr = *nte = 0;
    for (int c = 0; c < tr->ncls; c++) {
        const pd_class *k = &tr->cls[c];
        for (int f = 0; f < k->files.n; f++) {
            pd_item it = {tr->path, k->name, k->files.v[f], c};
            if (one && f % PNGDIR_TEST_EVERY == PNGDIR_TEST_EVERY - 1)
                (*tev)[(*nte)++] = it;
            else
                (*trv)[(*ntr)++] = it;
        }
    }
    if (!one) {
        for (int c = 0; c < te->ncls; c++) {
            const pd_class *k = &te->cls[c];
            for (int f = 0; f < k->files.n; f++) {
                pd_item it = {te->path, k->name, k->files.v[f], c};
                (*tev)[(*nte)++] = it;
            }
        }
    }
    return 0;
}

int data_pngdir_load(data_set *train, data_set *test, const char *dir,
                     const data_pngdir_config *cfg, int *skipped, char *first_skip,
                     size_t first_skip_len, char *err, size_t errlen)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (skipped) *skipped = 0;
    if (first_skip && first_skip_len) first_skip[0] = '\0';
    data_pngdir_config defaults = data_pngdir_defaults();
    if (!cfg) cfg = &defaults;
    bool size_ok = (cfg->rows == 0 && cfg->cols == 0) ||
                   (cfg->rows >= 1 && cfg->rows <= DATA_PNG_MAX_SIDE && cfg->cols >= 1 &&
                    cfg->cols <= DATA_PNG_MAX_SIDE &&
                    (long)cfg->rows * cfg->cols <= DATA_PNG_MAX_PIXELS);
    if (!size_ok) {
        snprintf(err, errlen,
                 "bad image size %d x %d: both 0 (the first image's) or both in 1..%d, at most "
                 "%ld Mpixel",
                 cfg->rows, cfg->cols, DATA_PNG_MAX_SIDE, DATA_PNG_MAX_PIXELS >> 20);
        return -1;
    }
    if (!is_dir(dir)) {
        struct stat st;
        if (stat(dir, &st) != 0)
            snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        else
            snprintf(err, errlen, "%s: not a folder", dir);
        return -1;
    }

    int rc = -1;
    pd_split tr = {0}, te = {0};
    pd_item *trv = NULL, *tev = NULL;
    int ntr = 0, nte = 0;
    char *trdir = path_join(dir, "train"), *tedir = path_join(dir, "test");
    if (!trdir || !tedir) {
        snprintf(err, errlen, "%s: out of memory", dir);
        goto done;
    }
    bool has_tr = is_dir(trdir), has_te = is_dir(tedir);
    bool one = !has_tr && !has_te;
    if (has_tr != has_te) {
        snprintf(err, errlen, "%s: has %s but no %s (need both, or neither with DIR/CLASS/*.png)",
                 dir, has_tr ? "train/" : "test/", has_tr ? "test/" : "train/");
        goto done;
    }
    if (one) {
        if (split_list(&tr, dir, err, errlen) != 0) goto done;
    } else {
        if (split_list(&tr, trdir, err, errlen) != 0) goto done;
        if (split_list(&te, tedir, err, errlen) != 0) goto done;
        if (same_classes(&tr, &te, err, errlen) != 0) goto done;
    }
    const pd_split *tep = one ? &tr : &te;
    if (make_plan(&tr, tep, &trv, &ntr, &tev, &nte, err, errlen) != 0) goto done;
    if (one && nte == 0) {
        snprintf(err, errlen,
                 "%s: no test images: without train/ and test/, every %dth image of a class goes "
                 "to test, and no class has %d",
                 dir, PNGDIR_TEST_EVERY, PNGDIR_TEST_EVERY);
        goto done;
    }

    pd_state st = {cfg, cfg->rows, cfg->cols, 0, ""};
    if (load_items(train, trv, ntr, &st, one ? dir : trdir, err, errlen) != 0) goto done;
    if (load_items(test, tev, nte, &st, one ? dir : tedir, err, errlen) != 0) goto done;

    /* a class with nothing to learn from would train silently wrong, so it is an error */
    int seen[DATA_MAX_CLASSES] = {0};
    for (int i = 0; i < train->n; i++)
        seen[train->labels[i]]++;
    for (int c = 0; c < tr.ncls; c++) {
        if (seen[c] == 0) {
            snprintf(err, errlen, "%s/%s: no readable images (%d skipped; first: %s)", tr.path,
                     tr.cls[c].name, st.skipped, st.first);
            goto done;
        }
    }
    if (test->n == 0) {
        snprintf(err, errlen, "%s: no readable test images (%d skipped; first: %s)",
                 one ? dir : tedir, st.skipped, st.first);
        goto done;
    }
    char name[64];
    base_name(dir, name, sizeof name);
    if (fill_meta(train, name, &tr, &st, err, errlen) != 0) goto done;
    if (fill_meta(test, name, &tr, &st, err, errlen) != 0) goto done;
    if (skipped) *skipped = st.skipped;
    if (first_skip && first_skip_len) snprintf(first_skip, first_skip_len, "%s", st.first);
    rc = 0;
done:
    if (rc != 0) {
        data_free(train);
        data_free(test);
    }
    free(trv);
    free(tev);
    split_free(&tr);
    split_free(&te);
    free(trdir);
    free(tedir);
    return rc;
}

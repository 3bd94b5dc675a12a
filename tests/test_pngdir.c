/* test_pngdir: PNG folders as data sets. Every folder is written here with libpng into a mkdtemp
 * directory, in each pixel format a user's images may come in (8-bit grey, RGB, RGBA, palette,
 * 16-bit, interlaced, several sizes), and broken in the ways real files break (cut off, wrong
 * signature, a header claiming a huge image, empty, not a PNG at all, a bad CRC). Pixel values
 * are checked against what the documented rules give, and each broken file must be skipped with
 * its name when not strict and fail the load with its name when strict, without crashing. */
#include "distillery/data_pngdir.h"
#include "tap.h"

#include <dirent.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char tmpdir[1024];

/* ---- Writing test folders ---------------------------------------------------------------- */

/* tmpdir/ followed by the formatted relative path; a ring of buffers so a few can be live */
static const char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *pathf(const char *fmt, ...)
{
    static char buf[8][2048];
    static int next;
    char *p = buf[next++ % 8];
    char rel[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    snprintf(p, sizeof buf[0], "%s/%s", tmpdir, rel);
    return p;
}

static void mkdirs(const char *path)
{
    char tmp[2048];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    }
    mkdir(tmp, 0755);
}

/* Writes a w x h PNG; data holds the rows packed as libpng expects them (16-bit big-endian).
 * pal (npal RGB entries) for palette images, trns (ntrns) optional. */
static int write_png(const char *path, int w, int h, int ctype, int depth, const uint8_t *data,
                     const png_color *pal, int npal, const uint8_t *trns, int ntrns,
                     int interlace)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, ctype,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (pal) png_set_PLTE(png, info, pal, npal);
    if (trns) png_set_tRNS(png, info, trns, ntrns, NULL);
    png_write_info(png, info);
    int ch = ctype == PNG_COLOR_TYPE_RGB ? 3 : ctype == PNG_COLOR_TYPE_RGB_ALPHA ? 4
             : ctype == PNG_COLOR_TYPE_GRAY_ALPHA                               ? 2
                                                                                : 1;
    size_t rowbytes = ((size_t)w * ch * depth + 7) / 8;
    png_bytep *rows = malloc(sizeof *rows * (size_t)h);
    for (int y = 0; y < h; y++)
        rows[y] = (png_bytep)data + (size_t)y * rowbytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    fclose(f);
    return 0;
}

/* an 8-bit grey image with every pixel v */
static void write_flat(const char *path, int w, int h, uint8_t v)
{
    uint8_t *d = malloc((size_t)w * h);
    memset(d, v, (size_t)w * h);
    write_png(path, w, h, PNG_COLOR_TYPE_GRAY, 8, d, NULL, 0, NULL, 0, 0);
    free(d);
}

static void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (n) fwrite(b, 1, n, f);
    fclose(f);
}

static uint8_t *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*n ? *n : 1);
    if (fread(b, 1, *n, f) != *n) *n = 0;
    fclose(f);
    return b;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* offset of the first IDAT chunk's length field, or 0 */
static size_t find_idat(const uint8_t *b, size_t n)
{
    size_t p = 8;
    while (p + 8 <= n) {
        uint32_t len = be32(b + p);
        if (memcmp(b + p + 4, "IDAT", 4) == 0) return p;
        p += 12 + (size_t)len;
    }
    return 0;
}

static void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            rm_rf(sub);
        }
        if (d) closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static uint8_t luma(int r, int g, int b)
{
    return (uint8_t)(0.299 * r + 0.587 * g + 0.114 * b + 0.5);
}

static int absdiff(int a, int b)
{
    return a > b ? a - b : b - a;
}

static int load(const char *rel, const data_pngdir_config *cfg, data_set *tr, data_set *te,
                int *skipped, char *first, char *err)
{
    return data_pngdir_load(tr, te, pathf("%s", rel), cfg, skipped, first, 512, err, 512);
}

static int zeroed(const data_set *d)
{
    return d->n == 0 && !d->pixels && !d->labels && !d->class_names;
}

/* ---- A good folder with every format ------------------------------------------------------ */

static void test_good(void)
{
    /* classes sort as ant, cat, dog; images are 4 wide and 3 high so a transpose would show */
    const int W = 4, H = 3, N = W * H;
    mkdirs(pathf("good/train/ant"));
    mkdirs(pathf("good/train/cat"));
    mkdirs(pathf("good/train/dog"));
    mkdirs(pathf("good/test/ant"));
    mkdirs(pathf("good/test/cat"));
    mkdirs(pathf("good/test/dog"));
    mkdirs(pathf("good/train/.hidden"));
    write_bytes(pathf("good/train/README"), "x", 1);

    uint8_t gray[2][12], rgb[12 * 3], rgba[12 * 4], g16[12 * 2], pal[12], inter[12];
    for (int i = 0; i < N; i++) {
        gray[0][i] = (uint8_t)(i * 20);
        gray[1][i] = (uint8_t)(255 - i * 7);
        rgb[3 * i] = (uint8_t)(i * 21), rgb[3 * i + 1] = (uint8_t)(200 - i * 9),
                rgb[3 * i + 2] = (uint8_t)(i * 13 + 40);
        rgba[4 * i] = (uint8_t)(250 - i * 17), rgba[4 * i + 1] = (uint8_t)(i * 11),
                 rgba[4 * i + 2] = (uint8_t)(90 + i), rgba[4 * i + 3] = (uint8_t)(i * 23);
        uint16_t v = (uint16_t)((i * 19 + 3) * 257);
        g16[2 * i] = (uint8_t)(v >> 8), g16[2 * i + 1] = (uint8_t)v;
        pal[i] = (uint8_t)(i % 4);
        inter[i] = (uint8_t)(i * 5 + 100);
    }
    png_color palette[4] = {{255, 0, 0}, {0, 255, 0}, {10, 20, 200}, {77, 77, 77}};
    uint8_t trns[4] = {0, 128, 255, 255};

    /* ant: 8-bit grey (a.png, b.PNG), plus files to ignore */
    write_png(pathf("good/train/ant/a.png"), W, H, PNG_COLOR_TYPE_GRAY, 8, gray[0],
              NULL, 0, NULL, 0, 0);
    write_png(pathf("good/train/ant/b.PNG"), W, H, PNG_COLOR_TYPE_GRAY, 8, gray[1],
              NULL, 0, NULL, 0, 0);
    write_bytes(pathf("good/train/ant/notes.txt"), "not an image", 12);
    write_bytes(pathf("good/train/ant/.c.png"), "hidden", 6);
    /* cat: RGB, RGBA */
    write_png(pathf("good/train/cat/1.png"), W, H, PNG_COLOR_TYPE_RGB, 8, rgb, NULL,
              0, NULL, 0, 0);
    write_png(pathf("good/train/cat/2.png"), W, H, PNG_COLOR_TYPE_RGB_ALPHA, 8, rgba,
              NULL, 0, NULL, 0, 0);
    /* dog: 16-bit grey, palette with tRNS, interlaced grey */
    write_png(pathf("good/train/dog/x.png"), W, H, PNG_COLOR_TYPE_GRAY, 16, g16,
              NULL, 0, NULL, 0, 0);
    write_png(pathf("good/train/dog/y.png"), W, H, PNG_COLOR_TYPE_PALETTE, 8, pal,
              palette, 4, trns, 4, 0);
    write_png(pathf("good/train/dog/z.png"), W, H, PNG_COLOR_TYPE_GRAY, 8, inter,
              NULL, 0, NULL, 0, 1);
    /* test: one flat image a class */
    write_flat(pathf("good/test/ant/t.png"), W, H, 11);
    write_flat(pathf("good/test/cat/t.png"), W, H, 22);
    write_flat(pathf("good/test/dog/t.png"), W, H, 33);

    data_set tr, te;
    char err[512] = "", first[512] = "x";
    int skipped = -1;
    data_pngdir_config cfg = data_pngdir_defaults();
    int rc = load("good/", &cfg, &tr, &te, &skipped, first, err);
    if (!tap_ok(rc == 0, "good folder loads")) {
        tap_diag("%s", err);
        return;
    }
    tap_ok(skipped == 0 && first[0] == '\0', "good folder: nothing skipped");
    tap_ok(!strcmp(tr.name, "good") && !strcmp(te.name, "good"),
           "name is the folder's base name, trailing slash ignored (%s)", tr.name);
    tap_ok(tr.n == 7 && te.n == 3, "n: 7 train, 3 test (got %d, %d)", tr.n, te.n);
    tap_ok(tr.rows == H && tr.cols == W && tr.dim == N && te.rows == H && te.cols == W &&
               te.dim == N,
           "rows 3, cols 4, dim 12");
    tap_ok(tr.nclasses == 3 && te.nclasses == 3 && !strcmp(tr.class_names[0], "ant") &&
               !strcmp(tr.class_names[1], "cat") && !strcmp(tr.class_names[2], "dog") &&
               !strcmp(te.class_names[2], "dog"),
           "classes sorted: ant, cat, dog; .hidden and files at class level ignored");
    static const uint8_t want_labels[7] = {0, 0, 1, 1, 2, 2, 2};
    tap_ok(!memcmp(tr.labels, want_labels, 7), "train labels in class, then file order");
    tap_ok(te.labels[0] == 0 && te.labels[1] == 1 && te.labels[2] == 2, "test labels");

    const uint8_t *px = tr.pixels;
    tap_ok(!memcmp(px, gray[0], N), "8-bit grey exact");
    tap_ok(!memcmp(px + N, gray[1], N), ".PNG in capitals is read, grey exact");
    int worst_rgb = 0, worst_rgba = 0, bad16 = 0, worst_pal = 0, badi = 0;
    for (int i = 0; i < N; i++) {
        int d = absdiff(px[2 * N + i], luma(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]));
        if (d > worst_rgb) worst_rgb = d;
        d = absdiff(px[3 * N + i], luma(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]));
        if (d > worst_rgba) worst_rgba = d;
        if (px[4 * N + i] != (uint8_t)(i * 19 + 3)) bad16++;
        const png_color *c = &palette[pal[i]];
        d = absdiff(px[5 * N + i], luma(c->red, c->green, c->blue));
        if (d > worst_pal) worst_pal = d;
        if (px[6 * N + i] != inter[i]) badi++;
    }
    tap_ok(worst_rgb <= 1, "RGB: Rec. 601 luma within 1 (worst %d)", worst_rgb);
    tap_ok(worst_rgba <= 1, "RGBA: alpha dropped, luma within 1 (worst %d)", worst_rgba);
    tap_ok(bad16 == 0, "16-bit grey: the high byte (%d wrong)", bad16);
    tap_ok(worst_pal <= 1, "palette with tRNS: luma within 1 (worst %d)", worst_pal);
    tap_ok(badi == 0, "interlaced grey exact (%d wrong)", badi);
    tap_ok(te.pixels[0] == 11 && te.pixels[N] == 22 && te.pixels[2 * N + N - 1] == 33,
           "test pixels");
    data_free(&tr);
    data_free(&te);

    /* an explicit size: the 4x3 images are box-filtered to 2x2 */
    cfg.rows = 2;
    cfg.cols = 2;
    rc = load("good", &cfg, &tr, &te, &skipped, first, err);
    tap_ok(rc == 0 && tr.rows == 2 && tr.cols == 2 && tr.dim == 4 && te.pixels[3] == 11 &&
               te.pixels[4] == 22,
           "cfg size 2x2 used, flat images stay flat (%s)", err);
    data_free(&tr);
    data_free(&te);

    cfg.rows = 0;
    cfg.cols = 5;
    rc = load("good", &cfg, &tr, &te, &skipped, first, err);
    tap_ok(rc == -1 && strstr(err, "bad image size") && zeroed(&tr) && zeroed(&te),
           "cfg size 0 x 5 refused (%s)", err);
    cfg.rows = 20000;
    cfg.cols = 1;
    rc = load("good", &cfg, &tr, &te, &skipped, first, err);
    tap_ok(rc == -1 && strstr(err, "bad image size"), "cfg rows 20000 refused");
}

/* ---- The split rule ------------------------------------------------------------------------ */

static void test_split(void)
{
    /* x: 13 images, y: 6; every 6th of a class (sorted) goes to test: x05, x11, y05 */
    mkdirs(pathf("split/x"));
    mkdirs(pathf("split/y"));
    char name[64];
    for (int i = 0; i < 13; i++) {
        snprintf(name, sizeof name, "img%02d.png", i);
        write_flat(pathf("split/x/%s", name), 2, 2, (uint8_t)(i * 10));
    }
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof name, "img%02d.png", i);
        write_flat(pathf("split/y/%s", name), 2, 2, (uint8_t)(200 + i));
    }
    data_set tr, te;
    char err[512] = "", first[512];
    int skipped;
    int rc = load("split", NULL, &tr, &te, &skipped, first, err);
    if (!tap_ok(rc == 0, "one-folder form loads (%s)", err)) return;
    tap_ok(tr.n == 16 && te.n == 3, "split: 16 train, 3 test (got %d, %d)", tr.n, te.n);
    tap_ok(te.labels[0] == 0 && te.labels[1] == 0 && te.labels[2] == 1 && te.pixels[0] == 50 &&
               te.pixels[4] == 110 && te.pixels[8] == 205,
           "test holds the 6th and 12th of x and the 6th of y");
    int ok = 1, k = 0;
    for (int i = 0; i < 13; i++)
        if (i % 6 != 5) ok &= tr.labels[k] == 0 && tr.pixels[4 * k++] == i * 10;
    for (int i = 0; i < 5; i++)
        ok &= tr.labels[k] == 1 && tr.pixels[4 * k++] == 200 + i;
    tap_ok(ok, "train holds the rest in order");
    tap_ok(tr.nclasses == 2 && !strcmp(tr.class_names[1], "y"), "one-folder classes");
    data_free(&tr);
    data_free(&te);

    /* a bad file keeps its place: x05 unreadable means one test image fewer, nothing moves */
    write_bytes(pathf("split/x/img05.png"), "garbage!", 8);
    rc = load("split", NULL, &tr, &te, &skipped, first, err);
    tap_ok(rc == 0 && tr.n == 16 && te.n == 2 && te.pixels[0] == 110 && skipped == 1,
           "a skipped file does not shift the split");
    data_free(&tr);
    data_free(&te);

    /* no class with 6 images: test would be empty */
    mkdirs(pathf("split_small/x"));
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "%d.png", i);
        write_flat(pathf("split_small/x/%s", name), 2, 2, 1);
    }
    rc = load("split_small", NULL, &tr, &te, &skipped, first, err);
    tap_ok(rc == -1 && strstr(err, "no test images") && zeroed(&tr) && zeroed(&te),
           "fewer than 6 images a class: clear error (%s)", err);
}

/* ---- Sizes ----------------------------------------------------------------------------------- */

static void test_sizes(void)
{
    mkdirs(pathf("sizes/train/a"));
    mkdirs(pathf("sizes/test/a"));
    /* first (sorted) image 4x4: it sets the size */
    write_flat(pathf("sizes/train/a/0.png"), 4, 4, 7);
    /* 8x8 in 2x2 blocks of value 10*(by*4+bx): downscale gives the block values exactly */
    uint8_t big[64], small[4] = {10, 60, 110, 250}, odd[9];
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++)
            big[y * 8 + x] = (uint8_t)(10 * ((y / 2) * 4 + x / 2));
    write_png(pathf("sizes/train/a/1.png"), 8, 8, PNG_COLOR_TYPE_GRAY, 8, big, NULL,
              0, NULL, 0, 0);
    /* 2x2 upscaled: each pixel becomes a 2x2 block */
    write_png(pathf("sizes/train/a/2.png"), 2, 2, PNG_COLOR_TYPE_GRAY, 8, small,
              NULL, 0, NULL, 0, 0);
    /* 3x3 flat, a non-integer ratio: still flat */
    memset(odd, 99, sizeof odd);
    write_png(pathf("sizes/train/a/3.png"), 3, 3, PNG_COLOR_TYPE_GRAY, 8, odd, NULL,
              0, NULL, 0, 0);
    write_flat(pathf("sizes/test/a/0.png"), 5, 1, 42);

    data_set tr, te;
    char err[512] = "", first[512];
    int skipped;
    int rc = load("sizes", NULL, &tr, &te, &skipped, first, err);
    if (!tap_ok(rc == 0 && tr.n == 4 && te.n == 1, "mixed sizes load (%s)", err)) return;
    tap_ok(tr.rows == 4 && tr.cols == 4 && te.rows == 4 && te.cols == 4,
           "size taken from the first image: 4x4");
    int ok = 1;
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            ok &= tr.pixels[16 + y * 4 + x] == 10 * (y * 4 + x);
    tap_ok(ok, "8x8 box-filtered to 4x4: exact block means");
    ok = 1;
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            ok &= tr.pixels[32 + y * 4 + x] == small[(y / 2) * 2 + x / 2];
    tap_ok(ok, "2x2 to 4x4: pixel replication");
    ok = 1;
    for (int i = 0; i < 16; i++)
        ok &= tr.pixels[48 + i] == 99 && te.pixels[i] == 42;
    tap_ok(ok, "3x3 and 5x1 flat images stay flat");
    data_free(&tr);
    data_free(&te);

    /* a blend at a non-integer ratio: 3 wide [0, 90, 180] to 2 wide: (2*0+90)/3=30, 150 */
    mkdirs(pathf("blend/train/a"));
    mkdirs(pathf("blend/test/a"));
    uint8_t row[3] = {0, 90, 180};
    write_flat(pathf("blend/train/a/0.png"), 2, 1, 0);
    write_png(pathf("blend/train/a/1.png"), 3, 1, PNG_COLOR_TYPE_GRAY, 8, row, NULL, 0,
              NULL, 0, 0);
    write_flat(pathf("blend/test/a/0.png"), 2, 1, 0);
    rc = load("blend", NULL, &tr, &te, &skipped, first, err);
    tap_ok(rc == 0 && tr.dim == 2 && tr.pixels[2] == 30 && tr.pixels[3] == 150,
           "3 to 2 wide: area-weighted means 30, 150 (got %d, %d)", rc == 0 ? tr.pixels[2] : -1,
           rc == 0 ? tr.pixels[3] : -1);
    data_free(&tr);
    data_free(&te);
}

/* ---- Broken files ------------------------------------------------------------------------------ */

typedef struct bad_kind {
    const char *file;
    const char *phrase; /* expected in the message */
} bad_kind;

static const bad_kind BAD[] = {
    {"b_trunc.png", "truncated"}, {"c_sig.png", "not a PNG"}, {"d_huge.png", "huge dimensions"},
    {"e_empty.png", "empty"},     {"f_text.png", "not a PNG"}, {"g_crc.png", "CRC"},
};
#define NBAD ((int)(sizeof BAD / sizeof BAD[0]))

/* Writes bad file kind k into folder (relative to tmpdir) using good (n bytes) as the base. */
static void write_bad(int k, const char *folder, const uint8_t *good, size_t n)
{
    const char *p = pathf("%s/%s", folder, BAD[k].file);
    uint8_t *b = malloc(n);
    memcpy(b, good, n);
    size_t idat = find_idat(b, n);
    switch (k) {
    case 0: /* cut in the middle of the IDAT data */
        write_bytes(p, b, idat + 8 + be32(b + idat) / 2);
        break;
    case 1:
        b[0] = 'G';
        write_bytes(p, b, n);
        break;
    case 2: /* IHDR claims 100000 x 100000, with a correct CRC so only the size is wrong */
        put32(b + 16, 100000);
        put32(b + 20, 100000);
        put32(b + 29, (uint32_t)crc32(0, b + 12, 17));
        write_bytes(p, b, n);
        break;
    case 3:
        write_bytes(p, "", 0);
        break;
    case 4:
        write_bytes(p, "this is a text file, not an image\n", 34);
        break;
    case 5: /* the IDAT's stored CRC flipped: the data are intact, only the CRC is wrong */
        b[idat + 8 + be32(b + idat)] ^= 0x55;
        write_bytes(p, b, n);
        break;
    }
    free(b);
}

static void test_bad(void)
{
    /* a good 16x16 RGB image (large enough that its IDAT has a middle) as the base of each */
    mkdirs(pathf("bad/train/a"));
    mkdirs(pathf("bad/test/a"));
    uint8_t rgb[16 * 16 * 3];
    for (int i = 0; i < (int)sizeof rgb; i++)
        rgb[i] = (uint8_t)(i * 37 + (i >> 3));
    const char *goodp = pathf("bad/train/a/a0.png");
    write_png(goodp, 16, 16, PNG_COLOR_TYPE_RGB, 8, rgb, NULL, 0, NULL, 0, 0);
    size_t n;
    uint8_t *good = read_bytes(goodp, &n);
    write_bytes(pathf("bad/test/a/a0.png"), good, n);
    for (int k = 0; k < NBAD; k++)
        write_bad(k, "bad/train/a", good, n);

    data_set tr, te;
    char err[512] = "", first[512] = "";
    int skipped = 0;
    int rc = load("bad", NULL, &tr, &te, &skipped, first, err);
    tap_ok(rc == 0 && tr.n == 1 && te.n == 1, "not strict: the good files load past %d bad (%s)",
           NBAD, err);
    tap_ok(skipped == NBAD, "skipped counts %d bad files (got %d)", NBAD, skipped);
    tap_ok(strstr(first, "bad/train/a/b_trunc.png: ") && strstr(first, "truncated"),
           "first_skip names the first bad file and why (%s)", first);
    data_free(&tr);
    data_free(&te);

    data_pngdir_config strict = data_pngdir_defaults();
    strict.strict = true;
    rc = load("bad", &strict, &tr, &te, &skipped, first, err);
    tap_ok(rc == -1 && strstr(err, "b_trunc.png") && zeroed(&tr) && zeroed(&te),
           "strict: the first bad file fails the load (%s)", err);

    /* each kind alone, strict and not */
    for (int k = 0; k < NBAD; k++) {
        char folder[64], ftr[80], fte[80];
        snprintf(folder, sizeof folder, "bad%d", k);
        snprintf(ftr, sizeof ftr, "bad%d/train/a", k);
        snprintf(fte, sizeof fte, "bad%d/test/a", k);
        mkdirs(pathf("%s", ftr));
        mkdirs(pathf("%s", fte));
        write_bytes(pathf("%s/%s", ftr, "a0.png"), good, n);
        write_bytes(pathf("%s/%s", fte, "a0.png"), good, n);
        write_bad(k, ftr, good, n);

        rc = load(folder, &strict, &tr, &te, &skipped, first, err);
        tap_ok(rc == -1 && strstr(err, BAD[k].file) && strstr(err, BAD[k].phrase),
               "strict, %s: fails naming the file, \"%s\" (%s)", BAD[k].file, BAD[k].phrase, err);
        rc = load(folder, NULL, &tr, &te, &skipped, first, err);
        tap_ok(rc == 0 && skipped == 1 && tr.n == 1 && strstr(first, BAD[k].file) &&
                   strstr(first, BAD[k].phrase),
               "not strict, %s: skipped (%s)", BAD[k].file, first);
        data_free(&tr);
        data_free(&te);
    }

    /* every file of a train class bad: an error, not a class with nothing to learn */
    mkdirs(pathf("allbad/train/a"));
    mkdirs(pathf("allbad/train/b"));
    mkdirs(pathf("allbad/test/a"));
    mkdirs(pathf("allbad/test/b"));
    write_bytes(pathf("allbad/train/a/0.png"), good, n);
    write_bytes(pathf("allbad/test/a/0.png"), good, n);
    write_bytes(pathf("allbad/test/b/0.png"), good, n);
    write_bad(1, "allbad/train/b", good, n);
    rc = load("allbad", NULL, &tr, &te, &skipped, first, err);
    tap_ok(rc == -1 && strstr(err, "train/b: no readable images"),
           "a train class with no readable image: error (%s)", err);
    free(good);
}

/* ---- Folder-level errors ------------------------------------------------------------------------ */

static void test_folders(void)
{
    data_set tr, te;
    char err[512] = "", first[512];
    int skipped;
    int rc = load("nonexistent", NULL, &tr, &te, &skipped, first, err);
    tap_ok(rc == -1 && strstr(err, "nonexistent") && zeroed(&tr) && zeroed(&te),
           "missing folder: error names it (%s)", err);

    mkdirs(pathf("noclasses"));
    write_bytes(pathf("noclasses/x.png"), "x", 1);
    rc = load("noclasses", NULL, &tr, &te, &skipped, first, err);
    tap_ok(rc == -1 && strstr(err, "no class folders"), "no class folders: error (%s)", err);

    mkdirs(pathf("emptycls/train/a"));
    mkdirs(pathf("emptycls/train/b"));
    mkdirs(pathf("emptycls/test/a"));
    mkdirs(pathf("emptycls/test/b"));
    write_flat(pathf("emptycls/train/a/0.png"), 2, 2, 1);
    write_flat(pathf("emptycls/test/a/0.png"), 2, 2, 1);
    write_flat(pathf("emptycls/test/b/0.png"), 2, 2, 1);
    write_bytes(pathf("emptycls/train/b/readme.txt"), "x", 1);
    rc = load("emptycls", NULL, &tr, &te, &skipped, first, err);
    tap_ok(rc == -1 && strstr(err, "emptycls/train/b") && strstr(err, "empty class folder"),
           "empty class folder: error names it (%s)", err);

    mkdirs(pathf("onlytrain/train/a"));
    write_flat(pathf("onlytrain/train/a/0.png"), 2, 2, 1);
    rc = load("onlytrain", NULL, &tr, &te, &skipped, first, err);
    tap_ok(rc == -1 && strstr(err, "no test/"), "train/ without test/: error (%s)", err);

    mkdirs(pathf("differ/train/a"));
    mkdirs(pathf("differ/train/b"));
    mkdirs(pathf("differ/test/a"));
    mkdirs(pathf("differ/test/c"));
    write_flat(pathf("differ/train/a/0.png"), 2, 2, 1);
    write_flat(pathf("differ/train/b/0.png"), 2, 2, 1);
    write_flat(pathf("differ/test/a/0.png"), 2, 2, 1);
    write_flat(pathf("differ/test/c/0.png"), 2, 2, 1);
    rc = load("differ", NULL, &tr, &te, &skipped, first, err);
    tap_ok(rc == -1 && strstr(err, "class sets differ") && strstr(err, "train/b"),
           "class sets differ between train and test: error (%s)", err);

    /* one class too many; the long name is also checked for truncation when it fits */
    mkdirs(pathf("many"));
    char name[64];
    for (int c = 0; c <= DATA_MAX_CLASSES; c++) {
        snprintf(name, sizeof name, "c%03d", c);
        mkdirs(pathf("many/%s", name));
    }
    rc = load("many", NULL, &tr, &te, &skipped, first, err);
    tap_ok(rc == -1 && strstr(err, "at most 256"), "257 classes refused (%s)", err);

    const char *longname = "a_class_name_much_longer_than_thirty_one_bytes";
    mkdirs(pathf("long/train/%s", longname));
    mkdirs(pathf("long/test/%s", longname));
    write_flat(pathf("long/train/%s/0.png", longname), 2, 2, 1);
    write_flat(pathf("long/test/%s/0.png", longname), 2, 2, 1);
    rc = load("long", NULL, &tr, &te, &skipped, first, err);
    tap_ok(rc == 0 && strlen(tr.class_names[0]) == DATA_CLASS_NAME - 1 &&
               !strncmp(tr.class_names[0], longname, DATA_CLASS_NAME - 1),
           "a long class name is truncated to %d bytes", DATA_CLASS_NAME - 1);
    data_free(&tr);
    data_free(&te);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_pngdir.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        tap_ok(0, "mkdtemp");
        return tap_done();
    }
    test_good();
    test_split();
    test_sizes();
    test_bad();
    test_folders();
    rm_rf(tmpdir);
    return tap_done();
}

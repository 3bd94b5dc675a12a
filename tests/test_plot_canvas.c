/* test_plot_canvas: the chart canvas draws what it promises and nothing else. Every drawing is
 * checked after a round trip through a real PNG file decoded by libpng, so the test covers the
 * encoder too: exact pixels of rectangles and axis-aligned lines, anti-aliased blending at the
 * edge of a diagonal, text confined to the box its width and height describe (and turned text
 * being exactly the flat text rotated), clipping of wild coordinates (run under ASan: any write
 * outside the canvas is a heap overflow), and atomic writes that fail cleanly: a message naming
 * the file, an earlier file untouched, no temporary left behind.
 *
 * PLOT_FONT_DEMO=/path.png also writes a sheet of every glyph at scales 1-4 to look at. */
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <png.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plot/plot_canvas.h"
#include "tap.h"

static char dir[256];
static const plot_rgb WHITE = {255, 255, 255}, BLACK = {0, 0, 0}, RED = {200, 30, 20},
                      BLUE = {20, 60, 220};

/* --- helpers ------------------------------------------------------------------------------ */

typedef struct image {
    int w, h;
    uint8_t *px; /* (h, w, 3) */
} image;

/* A PNG decoded by libpng to 8-bit RGB; px NULL when it is not a valid PNG. */
static image decode(const char *path)
{
    image im = {0, 0, NULL};
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&pi, path)) return im;
    pi.format = PNG_FORMAT_RGB;
    uint8_t *buf = malloc(PNG_IMAGE_SIZE(pi));
    if (!buf || !png_image_finish_read(&pi, NULL, buf, 0, NULL)) {
        free(buf);
        png_image_free(&pi);
        return im;
    }
    im.w = (int)pi.width;
    im.h = (int)pi.height;
    im.px = buf;
    return im;
}

static plot_rgb at(const image *im, int x, int y)
{
    const uint8_t *p = im->px + 3 * ((size_t)y * (size_t)im->w + (size_t)x);
    plot_rgb v = {p[0], p[1], p[2]};
    return v;
}

static int same(plot_rgb a, plot_rgb b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b;
}

/* Writes c to dir/name and decodes it back; checks validity and size on the way. */
static image round_trip(const plot_canvas *c, const char *name)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = plot_png_write(c, path, err, sizeof err);
    if (rc != 0) tap_diag("%s", err);
    image im = decode(path);
    tap_ok(rc == 0 && im.px, "%s: written and decodes as a PNG", name);
    tap_ok(im.w == plot_canvas_width(c) && im.h == plot_canvas_height(c),
           "%s: decoded size %dx%d", name, im.w, im.h);
    return im;
}

/* The canvas and its PNG agree everywhere (the encoder loses nothing). */
static int image_matches_canvas(const image *im, const plot_canvas *c)
{
    if (!im->px || im->w != plot_canvas_width(c) || im->h != plot_canvas_height(c)) return 0;
    for (int y = 0; y < im->h; y++)
        for (int x = 0; x < im->w; x++)
            if (!same(at(im, x, y), plot_canvas_get(c, x, y))) return 0;
    return 1;
}

static int canvas_all(const plot_canvas *c, plot_rgb v)
{
    for (int y = 0; y < plot_canvas_height(c); y++)
        for (int x = 0; x < plot_canvas_width(c); x++)
            if (!same(plot_canvas_get(c, x, y), v)) return 0;
    return 1;
}

/* ink = pixels differing from bg; its bounding box, or -1s when there is none */
static int ink_box(const plot_canvas *c, plot_rgb bg, int *x0, int *y0, int *x1, int *y1)
{
    int n = 0;
    *x0 = *y0 = INT_MAX;
    *x1 = *y1 = -1;
    for (int y = 0; y < plot_canvas_height(c); y++)
        for (int x = 0; x < plot_canvas_width(c); x++)
            if (!same(plot_canvas_get(c, x, y), bg)) {
                n++;
                if (x < *x0) *x0 = x;
                if (y < *y0) *y0 = y;
                if (x > *x1) *x1 = x;
                if (y > *y1) *y1 = y;
            }
    if (!n) *x0 = *y0 = -1;
    return n;
}

static int file_bytes(const char *path, char *buf, size_t cap, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    *n = fread(buf, 1, cap, f);
    fclose(f);
    return 0;
}

/* how many entries of dir have ".tmp." in their name */
static int count_tmp(const char *d)
{
    int n = 0;
    DIR *dp = opendir(d);
    if (!dp) return -1;
    struct dirent *e;
    while ((e = readdir(dp)))
        if (strstr(e->d_name, ".tmp.")) n++;
    closedir(dp);
    return n;
}

/* --- canvas ------------------------------------------------------------------------------- */

static void test_bounds(void)
{
    tap_ok(!plot_canvas_new(15, 100, WHITE), "width 15 refused");
    tap_ok(!plot_canvas_new(100, 15, WHITE), "height 15 refused");
    tap_ok(!plot_canvas_new(8193, 16, WHITE), "width 8193 refused");
    tap_ok(!plot_canvas_new(16, 8193, WHITE), "height 8193 refused");
    tap_ok(!plot_canvas_new(-100, -100, WHITE) && !plot_canvas_new(0, 0, WHITE),
           "negative and zero sizes refused");
    plot_canvas *a = plot_canvas_new(16, 16, RED), *b = plot_canvas_new(8192, 16, WHITE);
    tap_ok(a && b, "16x16 and 8192x16 accepted");
    tap_ok(a && plot_canvas_width(a) == 16 && plot_canvas_height(a) == 16, "size reported");
    tap_ok(a && canvas_all(a, RED), "filled with the background");
    tap_ok(a && same(plot_canvas_get(a, -1, 0), BLACK) && same(plot_canvas_get(a, 16, 0), BLACK) &&
               same(plot_canvas_get(a, 0, 16), BLACK) && same(plot_canvas_get(a, 0, -1), BLACK),
           "get outside the canvas is black");
    plot_canvas_free(a);
    plot_canvas_free(b);
    plot_canvas_free(NULL);
    tap_ok(plot_canvas_width(NULL) == 0 && plot_canvas_height(NULL) == 0, "NULL canvas is 0x0");
}

static void test_rects(void)
{
    plot_canvas *c = plot_canvas_new(64, 48, WHITE);
    plot_fill_rect(c, 10, 5, 7, 4, RED);
    image im = round_trip(c, "rect.png");
    int bad = 0;
    for (int y = 0; im.px && y < im.h; y++)
        for (int x = 0; x < im.w; x++) {
            int in = x >= 10 && x < 17 && y >= 5 && y < 9;
            if (!same(at(&im, x, y), in ? RED : WHITE)) bad++;
        }
    tap_ok(im.px && bad == 0, "filled rectangle: exactly [10,17) x [5,9) red, %d pixels wrong", bad);
    free(im.px);

    plot_fill_rect(c, 0, 0, 64, 48, WHITE);
    plot_rect(c, 20, 20, 12, 10, 2, BLUE);
    bad = 0;
    for (int y = 0; y < 48; y++)
        for (int x = 0; x < 64; x++) {
            int outer = x >= 20 && x < 32 && y >= 20 && y < 30;
            int inner = x >= 22 && x < 30 && y >= 22 && y < 28;
            if (!same(plot_canvas_get(c, x, y), outer && !inner ? BLUE : WHITE)) bad++;
        }
    tap_ok(bad == 0, "rectangle outline 2 px thick: %d pixels wrong", bad);

    plot_fill_rect(c, 0, 0, 64, 48, WHITE);
    plot_fill_rect(c, 5, 5, 0, 10, RED);
    plot_fill_rect(c, 5, 5, 10, -3, RED);
    plot_rect(c, 5, 5, -4, 10, 1, RED);
    tap_ok(canvas_all(c, WHITE), "empty and negative sizes draw nothing");
    plot_canvas_free(c);
}

/* --- lines -------------------------------------------------------------------------------- */

static void test_lines(void)
{
    plot_canvas *c = plot_canvas_new(64, 48, WHITE);
    plot_line(c, 10, 20, 50, 20, 1, BLUE);
    image im = round_trip(c, "hline.png");
    int bad = 0;
    for (int y = 0; im.px && y < im.h; y++)
        for (int x = 0; x < im.w; x++) {
            int on = y == 20 && x >= 10 && x <= 50;
            if (!same(at(&im, x, y), on ? BLUE : WHITE)) bad++;
        }
    tap_ok(im.px && bad == 0, "1 px horizontal line: row 20, x 10..50 exactly, %d wrong", bad);
    free(im.px);

    plot_fill_rect(c, 0, 0, 64, 48, WHITE);
    plot_line(c, 30, 5, 30, 40, 3, BLUE);
    bad = 0;
    for (int y = 0; y < 48; y++)
        for (int x = 0; x < 64; x++) {
            int on = x >= 29 && x <= 31 && y >= 5 && y <= 40;
            int cap = x >= 29 && x <= 31 && (y == 3 || y == 4 || y == 41 || y == 42);
            if (cap) continue; /* round caps: blended, checked by the diagonal below */
            if (!same(plot_canvas_get(c, x, y), on ? BLUE : WHITE)) bad++;
        }
    tap_ok(bad == 0, "3 px vertical line: columns 29..31 solid, nothing beyond, %d wrong", bad);

    /* a diagonal of slope 1/2: on the line the colour is pure, beside it blended, far off white */
    plot_fill_rect(c, 0, 0, 64, 48, WHITE);
    plot_line(c, 10, 10, 50, 30, 1, BLUE);
    image di = round_trip(c, "diag.png");
    int blended = 0, far_bad = 0;
    for (int y = 0; di.px && y < di.h; y++)
        for (int x = 0; x < di.w; x++) {
            plot_rgb v = at(&di, x, y);
            if (!same(v, WHITE) && !same(v, BLUE)) blended++;
            double line_y = 10 + (x - 10) * 0.5;
            int near = x >= 8 && x <= 52 && fabs(y - line_y) < 2.5;
            if (!near && !same(v, WHITE)) far_bad++;
        }
    tap_ok(di.px && same(at(&di, 20, 15), BLUE) && same(at(&di, 40, 25), BLUE),
           "diagonal: pixels centred on it are the pure colour");
    plot_rgb e = di.px ? at(&di, 11, 10) : WHITE; /* the line passes 0.5 px below its centre */
    tap_ok(di.px && e.b > BLUE.b && e.b < 255 && e.r > BLUE.r && e.r < 255 && e.g > BLUE.g && e.g < 255,
           "diagonal: the edge pixel (11,10) is blended (%d,%d,%d)", e.r, e.g, e.b);
    tap_ok(blended > 30, "diagonal: %d blended pixels along its edges", blended);
    tap_ok(far_bad == 0, "diagonal: nothing more than 2.5 px away, %d wrong", far_bad);
    free(di.px);

    /* blending is into what is there: a line over red keeps red in the blend */
    plot_fill_rect(c, 0, 0, 64, 48, RED);
    plot_line(c, 10, 10, 50, 30, 1, BLUE);
    plot_rgb o = plot_canvas_get(c, 11, 10);
    tap_ok(o.r < RED.r && o.r > BLUE.r && o.b > RED.b && o.b < BLUE.b,
           "blending mixes with the existing pixel (%d,%d,%d)", o.r, o.g, o.b);

    /* widths clamp to 1..8 */
    plot_fill_rect(c, 0, 0, 64, 48, WHITE);
    plot_line(c, 5, 24, 58, 24, 100, BLUE);
    int x0, y0, x1, y1;
    ink_box(c, WHITE, &x0, &y0, &x1, &y1);
    tap_ok(y0 == 20 && y1 == 28, "width 100 clamps to 8 (rows %d..%d)", y0, y1);
    plot_fill_rect(c, 0, 0, 64, 48, WHITE);
    plot_line(c, 5, 24, 58, 24, 0.1, BLUE);
    ink_box(c, WHITE, &x0, &y0, &x1, &y1);
    tap_ok(y0 == 24 && y1 == 24, "width 0.1 clamps to 1 (rows %d..%d)", y0, y1);
    plot_canvas_free(c);
}

static void test_clipping(void)
{
    plot_canvas *c = plot_canvas_new(32, 24, WHITE);
    double nan = NAN, inf = INFINITY;
    plot_line(c, nan, 5, 20, 5, 1, RED);
    plot_line(c, 5, 5, 20, nan, 8, RED);
    plot_line(c, -inf, 5, inf, 5, 2, RED);
    plot_line(c, 5, 5, 20, 5, nan, BLACK); /* NaN width is width 1, not a skip */
    int n = 0;
    for (int x = 0; x < 32; x++)
        n += !same(plot_canvas_get(c, x, 5), WHITE);
    plot_line(c, 5, 5, 20, 5, 1, WHITE);
    tap_ok(n == 16 && canvas_all(c, WHITE), "NaN and infinite coordinates are skipped (%d)", n);

    plot_line(c, -1e9, -1e9, -1e9 + 5, 3, 8, RED);
    plot_line(c, 1e12, 1e12, 5e11, 2e12, 8, RED);
    plot_line(c, -100, -50, 200, -40, 8, RED);
    plot_line(c, 40, -5, 40, 100, 8, RED);
    plot_line(c, -DBL_MAX, -DBL_MAX, -DBL_MAX, DBL_MAX, 8, RED);
    plot_fill_rect(c, INT_MAX - 5, 0, INT_MAX, 100, RED);
    plot_fill_rect(c, INT_MIN, INT_MIN, INT_MAX, INT_MAX, RED);
    plot_fill_rect(c, 0, 24, 32, INT_MAX, RED);
    plot_rect(c, INT_MIN, INT_MIN, INT_MAX, INT_MAX, INT_MAX, RED);
    plot_rect(c, INT_MAX, INT_MAX, INT_MAX, INT_MAX, 3, RED);
    plot_text(c, INT_MAX - 3, 0, "far", 8, RED);
    plot_text(c, INT_MIN, INT_MIN, "far", 8, RED);
    plot_text_vertical(c, 0, INT_MAX - 2, "far", 8, RED);
    plot_text(c, 0, -100, "above", 4, RED);
    tap_ok(canvas_all(c, WHITE), "lines, rectangles and text entirely outside draw nothing");

    /* a line from -DBL_MAX to +DBL_MAX still crosses the canvas where it should */
    plot_line(c, -DBL_MAX, 12, DBL_MAX, 12, 1, BLUE);
    int row = 0, off = 0;
    for (int y = 0; y < 24; y++)
        for (int x = 0; x < 32; x++) {
            int on = !same(plot_canvas_get(c, x, y), WHITE);
            if (y == 12) row += on;
            else off += on;
        }
    tap_ok(row == 32 && off == 0, "a line over +-DBL_MAX draws row 12 only (%d, %d)", row, off);

    plot_fill_rect(c, 0, 0, 32, 24, WHITE);
    plot_fill_rect(c, -5, -5, 10, 10, RED);
    plot_fill_rect(c, 28, 20, 100, 100, RED);
    int bad = 0;
    for (int y = 0; y < 24; y++)
        for (int x = 0; x < 32; x++) {
            int in = (x < 5 && y < 5) || (x >= 28 && y >= 20);
            if (!same(plot_canvas_get(c, x, y), in ? RED : WHITE)) bad++;
        }
    tap_ok(bad == 0, "rectangles across the edges are cut at them, %d wrong", bad);

    /* a storm of random segments, many partly off the canvas, to give ASan something to catch */
    srand(12345);
    const double special[] = {0, -1, 31, 32, 23, 24, -1e300, 1e300, 1e18, -0.5, 31.5, 1e-300};
    for (int i = 0; i < 3000; i++) {
        double v[5];
        for (int k = 0; k < 5; k++)
            v[k] = rand() % 4 == 0 ? special[rand() % 12]
                                   : (rand() / (double)RAND_MAX) * 120 - 44;
        plot_line(c, v[0], v[1], v[2], v[3], v[4] / 8, BLUE);
        plot_text(c, (int)v[0], (int)v[1], "Wg|~", rand() % 10 - 1, RED);
        plot_text_vertical(c, (int)v[2], (int)v[3], "yj", rand() % 10 - 1, RED);
        plot_rect(c, (int)v[0], (int)v[1], (int)v[2], (int)v[3], rand() % 12 - 2, RED);
    }
    tap_ok(1, "3000 random segments, texts and outlines drew without a fault");
    plot_line(NULL, 0, 0, 1, 1, 1, RED);
    plot_fill_rect(NULL, 0, 0, 1, 1, RED);
    plot_rect(NULL, 0, 0, 5, 5, 1, RED);
    tap_ok(plot_text(NULL, 0, 0, "ab", 2, RED) == plot_text_width("ab", 2),
           "a NULL canvas draws nothing and still measures");
    plot_canvas_free(c);
}

/* --- text --------------------------------------------------------------------------------- */

/* Draws s at (x, y) and checks all its ink is inside the box the measures describe. */
static void check_text_box(const char *s, int scale)
{
    plot_canvas *c = plot_canvas_new(400, 120, WHITE);
    int x = 13, y = 21;
    int w = plot_text(c, x, y, s, scale, BLACK);
    int h = plot_text_height(scale);
    int x0, y0, x1, y1;
    int n = ink_box(c, WHITE, &x0, &y0, &x1, &y1);
    tap_ok(w == plot_text_width(s, scale), "\"%s\" x%d: returns its width %d", s, scale, w);
    tap_ok(n > 0 && x0 >= x && x1 < x + w && y0 >= y && y1 < y + h,
           "\"%s\" x%d: %d ink pixels, all inside [%d,%d) x [%d,%d)", s, scale, n, x, x + w, y,
           y + h);
    plot_canvas_free(c);
}

static void test_text(void)
{
    check_text_box("Loss 1.25e-3 +5% (x^2)/y = a*b, t:0", 1);
    check_text_box("Validation accuracy", 2);
    check_text_box("gjpqy|,;", 3);
    check_text_box("Title", 4);

    tap_ok(plot_text_width("", 2) == 0 && plot_text_width(NULL, 2) == 0, "empty text has width 0");
    tap_ok(plot_text_width("ab", 1) == 11 && plot_text_width("ab", 3) == 33 &&
               plot_text_width("abc", 2) == 34,
           "width is (6 n - 1) x scale");
    tap_ok(plot_text_height(1) == 10 && plot_text_height(4) == 40 && plot_text_height(0) == 10 &&
               plot_text_height(20) == 80,
           "height is 10 x scale, scale clamped to 1..8");

    /* the width is the drawn width: first and last columns of "HEH" both carry ink */
    plot_canvas *c = plot_canvas_new(200, 60, WHITE);
    int w = plot_text(c, 7, 9, "HEH", 3, BLACK);
    int x0, y0, x1, y1;
    ink_box(c, WHITE, &x0, &y0, &x1, &y1);
    tap_ok(x0 == 7 && x1 == 7 + w - 1, "\"HEH\" ink spans exactly its width (%d..%d, w %d)", x0,
           x1, w);
    tap_ok(y0 == 9 + 3 && y1 == 9 + 8 * 3 - 1, "capitals fill rows 1..7 of the cell (%d..%d)",
           y0, y1);

    /* every printable character draws something, except the space */
    int blank = 0;
    for (int ch = 33; ch <= 126; ch++) {
        char s[2] = {(char)ch, 0};
        plot_fill_rect(c, 0, 0, 200, 60, WHITE);
        plot_text(c, 0, 0, s, 1, BLACK);
        if (ink_box(c, WHITE, &x0, &y0, &x1, &y1) == 0) blank++;
    }
    plot_fill_rect(c, 0, 0, 200, 60, WHITE);
    plot_text(c, 0, 0, " ", 2, BLACK);
    tap_ok(blank == 0 && canvas_all(c, WHITE), "all 94 visible glyphs have ink, space has none");

    /* others show as '?', one per character even in UTF-8 */
    plot_canvas *q = plot_canvas_new(200, 60, WHITE);
    plot_fill_rect(c, 0, 0, 200, 60, WHITE);
    plot_text(c, 0, 0, "a\tb\xc2\xb5", 2, BLACK);
    plot_text(q, 0, 0, "a?b?", 2, BLACK);
    int diff = 0;
    for (int y = 0; y < 60; y++)
        for (int x = 0; x < 200; x++)
            diff += !same(plot_canvas_get(c, x, y), plot_canvas_get(q, x, y));
    tap_ok(diff == 0 && plot_text_width("a\tb\xc2\xb5", 2) == plot_text_width("a?b?", 2),
           "a tab and a UTF-8 'mu' each show as one '?'");
    plot_canvas_free(q);
    plot_canvas_free(c);
}

/* Turned text is the flat text rotated: flat (u, v) lands at (v, W - 1 - u). */
static void test_text_vertical(void)
{
    const char *s = "Loss (log10) -1.5e+3 gy";
    int scale = 2, W = plot_text_width(s, scale), H = plot_text_height(scale);
    plot_canvas *flat = plot_canvas_new(W + 4, H + 4, WHITE);
    plot_canvas *turned = plot_canvas_new(H + 40, W + 40, WHITE);
    plot_text(flat, 0, 0, s, scale, BLACK);
    int ret = plot_text_vertical(turned, 11, 17, s, scale, BLACK);
    tap_ok(ret == W, "vertical text returns its length %d", ret);
    int bad = 0, ink = 0;
    for (int y = 0; y < W + 40; y++)
        for (int x = 0; x < H + 40; x++) {
            int u = W - 1 - (y - 17), v = x - 11;
            int inside = u >= 0 && u < W && v >= 0 && v < H;
            plot_rgb want = inside ? plot_canvas_get(flat, u, v) : WHITE;
            plot_rgb got = plot_canvas_get(turned, x, y);
            if (!same(got, want)) bad++;
            ink += !same(got, WHITE);
        }
    tap_ok(ink > 0 && bad == 0, "vertical text is the flat text turned counter-clockwise in "
                                "[11,%d) x [17,%d): %d pixels wrong",
           11 + H, 17 + W, bad);
    /* reading bottom to top: the first letter 'L' is at the bottom */
    int x0, y0, x1, y1;
    plot_fill_rect(turned, 0, 0, H + 40, W + 40, WHITE);
    plot_text_vertical(turned, 0, 0, "L", 1, BLACK);
    ink_box(turned, WHITE, &x0, &y0, &x1, &y1);
    /* 'L' is a stem down column 0 and a foot along row 6: turned, the stem is the bottom row
     * (y = 4) and the foot the column x = 7 */
    int stem = 0;
    for (int x = 0; x < 10; x++)
        stem += !same(plot_canvas_get(turned, x, 4), WHITE);
    tap_ok(stem == 7 && x0 == 1 && x1 == 7 && y0 == 0 && y1 == 4,
           "turned 'L': stem along the bottom, tops to the left (%d,%d)-(%d,%d)", x0, y0, x1, y1);
    plot_canvas_free(flat);
    plot_canvas_free(turned);
}

/* --- PNG writing -------------------------------------------------------------------------- */

static void test_png_write(void)
{
    char path[512], bad[512], err[512], before[4096], after[4096];
    size_t nb = 0, na = 0;
    plot_canvas *c = plot_canvas_new(40, 30, WHITE);
    plot_fill_rect(c, 5, 5, 10, 10, RED);
    plot_line(c, 0, 0, 39, 29, 2, BLUE);
    plot_text(c, 2, 18, "ok", 1, BLACK);
    snprintf(path, sizeof path, "%s/keep.png", dir);
    tap_ok(plot_png_write(c, path, err, sizeof err) == 0, "write %s", path);
    image im = decode(path);
    tap_ok(image_matches_canvas(&im, c), "the decoded PNG equals the canvas pixel for pixel");
    free(im.px);
    file_bytes(path, before, sizeof before, &nb);

    /* missing folder */
    snprintf(bad, sizeof bad, "%s/missing/sub/x.png", dir);
    err[0] = 0;
    int rc = plot_png_write(c, bad, err, sizeof err);
    tap_ok(rc == -1 && strstr(err, bad) && strstr(err, "cannot create"),
           "into a missing folder: -1, \"%s\"", err);

    /* /proc refuses new files */
    err[0] = 0;
    rc = plot_png_write(c, "/proc/distillery_plot.png", err, sizeof err);
    tap_ok(rc == -1 && strstr(err, "/proc/distillery_plot.png:") == err, "into /proc: -1, \"%s\"",
           err);
    tap_ok(access("/proc/distillery_plot.png", F_OK) != 0, "nothing appeared in /proc");

    /* a write that fails part way: the file size limit stands in for a full disk */
    plot_canvas *big = plot_canvas_new(600, 400, WHITE);
    srand(7);
    for (int i = 0; i < 4000; i++) /* noise, so that it does not compress below the limit */
        plot_fill_rect(big, rand() % 600, rand() % 400, 3, 3,
                       (plot_rgb){(uint8_t)rand(), (uint8_t)rand(), (uint8_t)rand()});
    struct rlimit saved, lim;
    getrlimit(RLIMIT_FSIZE, &saved);
    lim = saved;
    lim.rlim_cur = 4096;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
        err[0] = 0;
        rc = plot_png_write(big, path, err, sizeof err);
        setrlimit(RLIMIT_FSIZE, &saved);
        tap_ok(rc == -1 && strstr(err, path) == err && strstr(err, ": write failed: "),
               "a write cut short: -1, \"%s\"", err);
        file_bytes(path, after, sizeof after, &na);
        tap_ok(na == nb && memcmp(before, after, nb) == 0, "the earlier file is untouched");
    } else {
        tap_ok(1, "# SKIP cannot lower RLIMIT_FSIZE");
        tap_ok(1, "# SKIP cannot lower RLIMIT_FSIZE");
    }
    signal(SIGXFSZ, prev);

    /* the target is a folder: rename fails after a complete write */
    snprintf(bad, sizeof bad, "%s/adir", dir);
    mkdir(bad, 0700);
    char inner[600];
    snprintf(inner, sizeof inner, "%s/adir/f", dir);
    FILE *f = fopen(inner, "w");
    if (f) fclose(f);
    err[0] = 0;
    rc = plot_png_write(c, bad, err, sizeof err);
    tap_ok(rc == -1 && strstr(err, bad) == err && strstr(err, "rename failed"),
           "onto a non-empty folder: -1, \"%s\"", err);
    remove(inner);
    rmdir(bad);

    tap_ok(count_tmp(dir) == 0, "no *.tmp.* file left behind");
    tap_ok(plot_png_write(NULL, path, err, sizeof err) == -1 &&
               plot_png_write(c, NULL, NULL, 0) == -1 && plot_png_write(c, "", err, 0) == -1,
           "NULL canvas or path: -1, NULL err is fine");

    /* a good write replaces the old file */
    tap_ok(plot_png_write(big, path, NULL, 0) == 0, "overwrite with a larger image");
    im = decode(path);
    tap_ok(image_matches_canvas(&im, big), "the new file holds the new image");
    free(im.px);
    tap_ok(count_tmp(dir) == 0, "still no temporary files");
    plot_canvas_free(big);
    plot_canvas_free(c);
}

/* --- demo sheet --------------------------------------------------------------------------- */

static void font_demo(const char *path)
{
    plot_canvas *c = plot_canvas_new(1280, 720, WHITE);
    char all[96];
    for (int i = 0; i < 95; i++)
        all[i] = (char)(32 + i);
    all[95] = 0;
    int y = 10;
    for (int s = 1; s <= 4; s++) {
        int chunk = s <= 2 ? 95 : 48; /* what fits across 1280 pixels */
        for (int from = 0; from < 95; from += chunk) {
            char part[96];
            snprintf(part, sizeof part, "%.*s", chunk, all + from);
            plot_text(c, 10, y, part, s, BLACK);
            y += plot_text_height(s) + 2;
        }
        y += 6;
    }
    plot_text(c, 10, y, "Loss 1.25e-3  -0.5  +5%  x^2  (a, b): y = 2*x/3", 2, BLUE);
    y += 24;
    plot_text(c, 10, y, "Validation accuracy: 97.3% (epoch 12/40)", 3, RED);
    y += 34;
    plot_text_vertical(c, 1230, 380, "Loss (log10)", 2, BLACK);
    plot_rect(c, 700, 470, 500, 230, 1, BLACK);
    for (int i = 0; i < 60; i++) {
        double x0 = 700 + i * 500 / 60.0, x1 = 700 + (i + 1) * 500 / 60.0;
        double f0 = exp(-i / 12.0), f1 = exp(-(i + 1) / 12.0);
        plot_line(c, x0, 690 - 200 * f0, x1, 690 - 200 * f1, 2.5, BLUE);
        plot_line(c, x0, 690 - 180 * f0 - 10 * sin(i), x1, 690 - 180 * f1 - 10 * sin(i + 1), 1,
                  RED);
    }
    for (int a = 0; a < 24; a++)
        plot_line(c, 400, 590, 400 + 110 * cos(a * 3.14159265358979 / 12), 590 + 110 * sin(a * 3.14159265358979 / 12),
                  1 + a % 8, (plot_rgb){(uint8_t)(a * 10), 40, 120});
    char err[512];
    if (plot_png_write(c, path, err, sizeof err) != 0) tap_diag("%s", err);
    else tap_diag("font demo written to %s", path);
    plot_canvas_free(c);
}

static void rm_rf_dir(const char *d)
{
    DIR *dp = opendir(d);
    if (!dp) return;
    struct dirent *e;
    char p[600];
    while ((e = readdir(dp))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", d, e->d_name);
        remove(p);
    }
    closedir(dp);
    rmdir(d);
}

int main(void)
{
    const char *tmpdir = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/test_plot_canvas.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(dir)) {
        tap_ok(0, "mkdtemp %s: %s", dir, strerror(errno));
        return tap_done();
    }
    test_bounds();
    test_rects();
    test_lines();
    test_clipping();
    test_text();
    test_text_vertical();
    test_png_write();
    const char *demo = getenv("PLOT_FONT_DEMO");
    if (demo && *demo) font_demo(demo);
    rm_rf_dir(dir);
    return tap_done();
}

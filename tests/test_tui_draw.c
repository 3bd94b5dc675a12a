/* test_tui_draw: the screen's pure drawing layer against expected character grids, written out
 * row by row below, in all three character sets:
 *   the grid itself (text, clipping, UTF-8 in and out, rows as strings), probability bars at
 *   0, .5, .37 and 1 and probability labels, a 4x4 image and its scaling, line charts of a
 *   straight line, a V and a steep drop in a 12x6 box (exact rows: legend, ticks, axes, x
 *   labels), tick labels for [0,1], [0.83,2.41] and [1e-4,3e-4], NaN and Inf, drawing partly or
 *   wholly off the grid (compared cell by cell with the same picture drawn whole), smoothing,
 *   downsampling 100000 points into 40 columns: by the mean, and fast (timed, < 5 ms); and the
 *   fast path for x = index against the same points with explicit x.
 * Run it under -fsanitize=address,undefined: the clipping tests are there to be caught. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "tui/tui_draw.h"

/* ---- helpers --------------------------------------------------------------------------------- */

/* every row of g equals rows[] (g's height of them); on failure all rows are shown */
static int grid_is(const tui_grid *g, const char *const *rows, const char *what)
{
    char buf[1024];
    int h = tui_grid_height(g), ok = 1;
    for (int y = 0; y < h; y++) {
        tui_grid_row(g, y, buf, sizeof buf);
        if (strcmp(buf, rows[y]) != 0) ok = 0;
    }
    if (!ok) {
        for (int y = 0; y < h; y++) {
            tui_grid_row(g, y, buf, sizeof buf);
            tap_diag("%s got \"%s\"  want \"%s\"", strcmp(buf, rows[y]) ? "!!" : "  ", buf,
                     rows[y]);
        }
    }
    return tap_ok(ok, "%s", what);
}

/* identical cells (character and style) */
static int same_cell(const tui_cell *a, const tui_cell *b)
{
    return a->cp == b->cp && a->style == b->style && strcmp(a->utf8, b->utf8) == 0;
}

/* every cell of small equals big at (x + dx, y + dy), or is blank where that is outside big */
static int window_matches(const tui_grid *small, const tui_grid *big, int dx, int dy)
{
    static const tui_cell blank = {' ', 0, " "};
    for (int y = 0; y < tui_grid_height(small); y++)
        for (int x = 0; x < tui_grid_width(small); x++) {
            const tui_cell *b = tui_grid_cell(big, x + dx, y + dy);
            if (!same_cell(tui_grid_cell(small, x, y), b ? b : &blank)) {
                tap_diag("cell (%d,%d) differs: U+%04X vs U+%04X", x, y,
                         (unsigned)tui_grid_cell(small, x, y)->cp, b ? (unsigned)b->cp : 32u);
                return 0;
            }
        }
    return 1;
}

static int grids_equal(const tui_grid *a, const tui_grid *b)
{
    return tui_grid_width(a) == tui_grid_width(b) && tui_grid_height(a) == tui_grid_height(b) &&
           window_matches(a, b, 0, 0);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static const char *mode_name[3] = {"braille", "block", "ascii"};

/* ---- the grid -------------------------------------------------------------------------------- */

static void test_grid(void)
{
    tap_ok(tui_grid_new(0, 5) == NULL && tui_grid_new(5, -1) == NULL &&
               tui_grid_new(TUI_MAX_DIM + 1, 1) == NULL,
           "grid: empty, negative and oversized grids are refused");
    tui_grid *g = tui_grid_new(8, 3);
    tap_ok(g && tui_grid_width(g) == 8 && tui_grid_height(g) == 3, "grid: 8x3");

    int n = tui_grid_text(g, 1, 0, TUI_STYLE_TITLE, "héllo wörld", 6);
    tui_grid_text(g, -2, 1, 0, "abcdefghijk", -1); /* cut on both sides */
    tui_grid_text(g, 6, 2, 0, "\t\x01\x7f\xc2\x85", -1); /* controls become '?' */
    static const char *const want[] = {" héllo  ", "cdefghij", "      ??"};
    grid_is(g, want, "grid: text clipped at maxw and at both edges, controls shown as '?'");
    tap_ok(n == 6, "grid: text returns the columns it takes (%d)", n);
    tap_ok(tui_grid_cell(g, 2, 0)->cp == 0xE9 && strcmp(tui_grid_get(g, 2, 0), "é") == 0 &&
               tui_grid_cell(g, 2, 0)->style == TUI_STYLE_TITLE,
           "grid: a cell holds the code point, its UTF-8 and the style");
    tap_ok(strcmp(tui_grid_get(g, -1, 0), "") == 0 && strcmp(tui_grid_get(g, 8, 0), "") == 0 &&
               tui_grid_cell(g, 0, 3) == NULL,
           "grid: outside the grid get is \"\" and cell is NULL");

    /* invalid UTF-8: a stray continuation, a truncated sequence, an overlong '/', a surrogate */
    tui_grid_clear(g);
    tui_grid_text(g, 0, 0, 0, "a\x80" "b\xe2\x82" "c\xc0\xaf", -1);
    tui_grid_text(g, 0, 1, 0, "\xed\xa0\x80" "x\xf4\x90\x80\x80", -1);
    char buf[64], row1[64];
    tui_grid_row(g, 0, buf, sizeof buf);
    tui_grid_row(g, 1, row1, sizeof row1);
#define FFFD "\xef\xbf\xbd"
    tap_ok(strcmp(buf, "a" FFFD "b" FFFD FFFD "c" FFFD FFFD) == 0 &&
               strcmp(row1, FFFD FFFD FFFD "x" FFFD FFFD FFFD FFFD) == 0,
           "grid: invalid UTF-8 (stray, truncated, overlong, surrogate, > U+10FFFF) shows as "
           "U+FFFD, one per bad byte");
#undef FFFD
    tap_ok(tui_text_width("héllo") == 5 && tui_text_width("") == 0 && tui_text_width(NULL) == 0,
           "grid: text width counts code points");

    /* rows into short buffers: cut at a character boundary, length as snprintf */
    tui_grid_clear(g);
    tui_grid_text(g, 0, 0, 0, "ab██", -1);
    int need = tui_grid_row(g, 0, buf, 6); /* "ab" + 3-byte '█' fits in 5 bytes + NUL */
    tap_ok(need == 2 + 3 + 3 + 4 && strcmp(buf, "ab█") == 0,
           "grid: a row cut short ends on a character boundary (need %d, got \"%s\")", need, buf);
    tap_ok(tui_grid_row(g, 3, buf, sizeof buf) == -1 && buf[0] == 0,
           "grid: a row outside the grid is -1 and empty");

    tui_grid_fill(g, 6, 1, 10, 10, '#', 2);
    tui_grid_fill(g, INT_MIN, INT_MIN, INT_MAX, INT_MAX, '!', 0);
    static const char *const want2[] = {"ab██    ", "      ##", "      ##"};
    grid_is(g, want2, "grid: fill is clipped, absurd boxes draw nothing");
    tui_grid_free(g);
    tui_grid_free(NULL);
}

/* ---- bars and probabilities ------------------------------------------------------------------ */

static void test_bars(void)
{
    static const float vals[4] = {0, 0.5f, 0.37f, 1};
    /* 10 cells: .37 is 29.6 eighths -> 30 = 3 cells and 6/8 ('▊'); 7.4 halves -> 7 ('=') */
    static const char *const want[3][4] = {
        {"          ", "█████     ", "███▊      ", "██████████"},
        {"          ", "█████     ", "███▊      ", "██████████"},
        {"          ", "#####     ", "###=      ", "##########"},
    };
    tui_grid *g = tui_grid_new(10, 4);
    for (int m = 0; m < 3; m++) {
        tui_grid_fill(g, 0, 0, 10, 4, 'x', 9); /* a stale frame, which the bars must cover */
        for (int i = 0; i < 4; i++)
            tui_bar_draw(g, 0, i, 10, vals[i], TUI_STYLE_TEACHER, (tui_charset)m);
        char what[64];
        snprintf(what, sizeof what, "bar: 0, .5, .37, 1 in %s", mode_name[m]);
        grid_is(g, want[m], what);
    }
    tap_ok(tui_grid_cell(g, 3, 2)->style == TUI_STYLE_TEACHER &&
               tui_grid_cell(g, 4, 2)->style == 0,
           "bar: filled cells take the style, the rest are blank with style 0");

    /* each eighth from 1/8 to 7/8 in one cell */
    static const char *const eighths[] = {"▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    int ok = 1;
    for (int k = 1; k <= 7; k++) {
        tui_bar_draw(g, 0, 0, 1, k / 8.0f, 1, TUI_UTF8_BRAILLE);
        ok &= strcmp(tui_grid_get(g, 0, 0), eighths[k - 1]) == 0;
    }
    tap_ok(ok, "bar: the seven partial eighths");

    tui_bar_draw(g, 0, 0, 10, NAN, 1, TUI_UTF8_BRAILLE);
    tui_bar_draw(g, 0, 1, 10, -3, 1, TUI_UTF8_BRAILLE);
    tui_bar_draw(g, 0, 2, 10, 7, 1, TUI_ASCII);
    tui_bar_draw(g, 6, 3, 10, 1, 1, TUI_UTF8_BLOCK); /* over the last '#'s and off the edge */
    static const char *const odd[] = {"          ", "          ", "##########", "######████"};
    grid_is(g, odd, "bar: NaN and negative are empty, above 1 is full, clipped at the edge");
    tui_grid_free(g);

    char b[8];
    tap_ok(strcmp(tui_prob_format(0.31f, b, sizeof b), ".31") == 0 &&
               strcmp(tui_prob_format(0.05f, b, sizeof b), ".05") == 0 &&
               strcmp(tui_prob_format(0, b, sizeof b), ".00") == 0 &&
               strcmp(tui_prob_format(0.994f, b, sizeof b), ".99") == 0 &&
               strcmp(tui_prob_format(0.996f, b, sizeof b), "1.00") == 0 &&
               strcmp(tui_prob_format(1, b, sizeof b), "1.00") == 0 &&
               strcmp(tui_prob_format(1.5f, b, sizeof b), "1.00") == 0 &&
               strcmp(tui_prob_format(-0.2f, b, sizeof b), ".00") == 0 &&
               strcmp(tui_prob_format(NAN, b, sizeof b), "nan") == 0,
           "prob: .31 .05 .00 .99 1.00, clamped, nan");
}

/* ---- images ---------------------------------------------------------------------------------- */

static void test_images(void)
{
    /* columns: black, white, white over black, black over white; then mid greys:
     * (128,128) (60,60) (180,180) and (200,100), too close for an edge */
    static const uint8_t px[16] = {0,   255, 255, 0,   0,   255, 0,   255,
                                   128, 60,  180, 200, 128, 60,  180, 100};
    static const char *const want[3][2] = {
        {" █▀▄", "▒░▓▒"},
        {" █▀▄", "▒░▓▒"},
        {" @++", "+:#+"}, /* means 0 255 128 128 / 128 60 180 150 on " .:-=+*#%@" */
    };
    tui_grid *g = tui_grid_new(4, 2);
    for (int m = 0; m < 3; m++) {
        tui_image_draw(g, 0, 0, 4, 2, px, 4, 4, TUI_STYLE_DEFAULT, (tui_charset)m);
        char what[64];
        snprintf(what, sizeof what, "image: 4x4 in %s", mode_name[m]);
        grid_is(g, want[m], what);
    }
    tui_grid_free(g);

    int cw, ch;
    tui_image_size(28, 28, 28, 14, &cw, &ch);
    int ok = cw == 28 && ch == 14;
    tui_image_size(28, 28, 60, 30, &cw, &ch);
    ok &= cw == 56 && ch == 28; /* twice the size */
    tui_image_size(28, 28, 14, 14, &cw, &ch);
    ok &= cw == 14 && ch == 7; /* halved to fit the width */
    tui_image_size(28, 28, 40, 5, &cw, &ch);
    ok &= cw == 10 && ch == 5; /* 10 rows of pixels */
    tui_image_size(3, 2, 10, 10, &cw, &ch);
    ok &= cw == 10 && ch == 8; /* x5: 15 pixel rows, the last cell half used */
    tui_image_size(0, 28, 10, 10, &cw, &ch);
    ok &= cw == 0 && ch == 0;
    tap_ok(ok, "image: sizes: natural, doubled, halved by width and by height, odd rows, empty");

    /* 4x4 shrunk by the box filter to 2x2 pixels, one cell row: each output pixel is the mean
     * of a 2x2 block. Top right averages 200, 0, 100, 100 to 100 (nearest would take 200), and
     * over the bottom right's 100 that is a light shade; top left 255 over black is an edge. */
    static const uint8_t quad[16] = {255, 255, 200, 0,   255, 255, 100, 100,
                                     0,   0,   100, 100, 0,   0,   100, 100};
    g = tui_grid_new(4, 2);
    tui_image_draw(g, 0, 0, 2, 1, quad, 4, 4, 0, TUI_UTF8_BRAILLE);
    static const char *const shrunk[] = {"▀░  ", "    "};
    grid_is(g, shrunk, "image: downscaled by the box filter");
    /* the first four bytes as a 2x2 image (255 255 / 200 0) grown twice to fill a 4x2 box:
     * each pixel becomes 2x2, without blending ('#' is 200 on the ramp) */
    tui_image_draw(g, 0, 0, 4, 2, quad, 2, 2, 0, TUI_ASCII);
    static const char *const grown[] = {"@@@@", "##  "};
    grid_is(g, grown, "image: upscaled by an integer factor, nearest pixel");
    tui_grid_free(g);

    /* odd rows: the last cell's lower half is black */
    static const uint8_t three[3] = {255, 255, 255};
    g = tui_grid_new(1, 2);
    tui_image_draw(g, 0, 0, 1, 2, three, 3, 1, 0, TUI_UTF8_BRAILLE);
    static const char *const oddrows[] = {"█", "▀"};
    grid_is(g, oddrows, "image: an odd last pixel row is paired with black");
    tui_grid_free(g);
}

/* ---- numbers and tick labels ---------------------------------------------------------------- */

static int ticks_are(double lo, double hi, int max, const char *want)
{
    tui_tick t[8];
    char got[128] = "";
    int n = tui_ticks(lo, hi, max, t);
    for (int i = 0; i < n; i++) {
        if (i) strcat(got, " ");
        strcat(got, t[i].label);
    }
    int ok = strcmp(got, want) == 0;
    for (int i = 0; i < n; i++) /* every value inside the range, and its label's value */
        ok &= t[i].v >= fmin(lo, hi) - 1e-9 * fabs(hi - lo) &&
              t[i].v <= fmax(lo, hi) + 1e-9 * fabs(hi - lo) &&
              fabs(strtod(t[i].label, NULL) - t[i].v) <= 1e-9 * fmax(1, fabs(t[i].v));
    if (!ok) tap_diag("[%g, %g] max %d: got \"%s\", want \"%s\"", lo, hi, max, got, want);
    return tap_ok(ok, "ticks: [%g, %g] max %d -> %s", lo, hi, max, want);
}

static void test_ticks(void)
{
    static const struct {
        double v;
        const char *want;
    } nums[] = {{0.412, "0.412"}, {12.3456, "12.3"}, {1420, "1420"},  {100000, "100000"},
                {1.5e-5, "1.5e-5"}, {2e6, "2e6"},    {-0.5, "-0.5"},  {0, "0"},
                {9e-4, "9e-4"},     {NAN, "-"},      {INFINITY, "-"}, {-1.25e7, "-1.25e7"}};
    int ok = 1;
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        char b[16];
        tui_num_format(nums[i].v, b, sizeof b);
        if (strcmp(b, nums[i].want)) tap_diag("num %g: got \"%s\"", nums[i].v, b), ok = 0;
    }
    tap_ok(ok, "numbers: 0.412 12.3 1420 100000 1.5e-5 2e6 -0.5 0 9e-4 - - -1.25e7");

    ticks_are(0, 1, 4, "0.0 0.5 1.0");
    ticks_are(0.83, 2.41, 4, "1.0 1.5 2.0");
    ticks_are(1e-4, 3e-4, 4, "1e-4 2e-4 3e-4");
    ticks_are(0, 1e-4, 4, "0 5e-5 1e-4");
    ticks_are(1.2e-5, 1.9e-5, 4, "1.2e-5 1.4e-5 1.6e-5 1.8e-5");
    ticks_are(-1, 1, 4, "-1 0 1");
    ticks_are(0, 4.2, 4, "0 2 4");
    ticks_are(0, 4, 2, "0 2 4"); /* two would need a step of 2.5: three rather than one */
    ticks_are(0.3, 0.31, 4, "0.300 0.305 0.310");
    ticks_are(12345, 99999, 4, "20000 40000 60000 80000");
    ticks_are(0, 2e6, 4, "0 1e6 2e6");
    ticks_are(1, 0, 4, "0.0 0.5 1.0"); /* reversed */
    ticks_are(0.7, 0.7, 4, "0.7");      /* flat: the value alone */
    tui_tick t[8];
    tap_ok(tui_ticks(NAN, 1, 4, t) == 0 && tui_ticks(0, INFINITY, 4, t) == 0,
           "ticks: none for a non-finite range");
}

/* ---- line charts ----------------------------------------------------------------------------- */

static const float line5[5] = {0, 1, 2, 3, 4}, vee5[5] = {4, 2, 0, 2, 4};

/* one series in a 12x6 box with y fixed to [0, 4]: the plot is 10x3 cells, ticks 0 2 4 */
static void chart12x6(tui_grid *g, const float *ys, const char *label, tui_charset m)
{
    tui_series s = {ys, NULL, 5, TUI_STYLE_STUDENT, label};
    tui_chart_opts o = {.mode = m, .fixed_y = 1, .ymin = 0, .ymax = 4};
    tui_chart_draw(g, 0, 0, 12, 6, &s, 1, &o);
}

static void test_chart_shapes(void)
{
    tui_grid *g = tui_grid_new(12, 6);
    /* x 0..4 map to dot columns 0 5 10 14 19 (of 20), y 0..4 to dot rows 11 8 6 3 0 (of 12);
     * Bresenham joins them, e.g. the first cell holds dots (0,11) and (1,10): ⡠ */
    chart12x6(g, line5, "y", TUI_UTF8_BRAILLE);
    static const char *const line_braille[] = {
        "y 4         ",
        "4┤       ⡠⠔⠊",
        "2┤   ⢀⡠⠔⠉   ",
        "0┤⡠⠔⠊⠁      ",
        " └──────────",
        "  0        4",
    };
    grid_is(g, line_braille, "chart: straight line, braille");

    chart12x6(g, vee5, "v", TUI_UTF8_BRAILLE);
    static const char *const vee_braille[] = {
        "v 4         ",
        "4┤⠑⢄      ⢠⠊",
        "2┤ ⠈⠢⡀  ⢀⠔⠁ ",
        "0┤   ⠈⠢⡠⠃   ",
        " └──────────",
        "  0        4",
    };
    grid_is(g, vee_braille, "chart: V, braille");

    /* ASCII: cell columns 0 2 5 7 9 (of 10), rows 2 2 1 1 0, joined with the first marker */
    chart12x6(g, line5, "y", TUI_ASCII);
    static const char *const line_ascii[] = {
        "* y 4       ",
        "4+        **",
        "2+    ****  ",
        "0+****      ",
        " +----------",
        "  0        4",
    };
    grid_is(g, line_ascii, "chart: straight line, ascii");

    chart12x6(g, vee5, "v", TUI_ASCII);
    static const char *const vee_ascii[] = {
        "* v 4       ",
        "4+*       **",
        "2+ ***  **  ",
        "0+    **    ",
        " +----------",
        "  0        4",
    };
    grid_is(g, vee_ascii, "chart: V, ascii");

    /* block: one lower eighth per column, its top edge at the value (24 levels in 3 rows) */
    chart12x6(g, line5, "y", TUI_UTF8_BLOCK);
    static const char *const line_block[] = {
        "y 4         ",
        "4┤       ▂▅█",
        "2┤   ▁▂▄▇   ",
        "0┤▁▄▇       ",
        " └──────────",
        "  0        4",
    };
    grid_is(g, line_block, "chart: straight line, block");

    chart12x6(g, vee5, "v", TUI_UTF8_BLOCK);
    static const char *const vee_block[] = {
        "v 4         ",
        "4┤█▂      ▂█",
        "2┤  ▄    ▄  ",
        "0┤   █▅▁▆   ",
        " └──────────",
        "  0        4",
    };
    grid_is(g, vee_block, "chart: V, block");
    tui_grid_free(g);

    /* without a legend the plot takes the first row: 4 plot rows in 6; y 0..4 fall on rows
     * 3 2.25 1.5 .75 0, rounded 3 2 2 1 0 (the tick 2 with them), x on columns 0 2 5 7 9 */
    g = tui_grid_new(12, 6);
    tui_series nl = {line5, NULL, 5, 1, "hidden"};
    tui_chart_opts nlo = {.mode = TUI_ASCII, .fixed_y = 1, .ymax = 4, .no_legend = 1};
    tui_chart_draw(g, 0, 0, 12, 6, &nl, 1, &nlo);
    static const char *const no_legend[] = {
        "4+        **",
        " |      **  ",
        "2+ *****    ",
        "0+*         ",
        " +----------",
        "  0        4",
    };
    grid_is(g, no_legend, "chart: no legend, the plot starts on the first row");
    tui_grid_free(g);

    /* a steep drop in block mode: '│' bridges the rows skipped between two columns, the half
     * near each column in it (a 4-row plot, 1 column per step) */
    g = tui_grid_new(8, 7);
    static const float steep[5] = {4, 0, 0, 0, 0};
    tui_series s = {steep, NULL, 5, TUI_STYLE_CE, NULL};
    tui_chart_opts o = {.mode = TUI_UTF8_BLOCK, .fixed_y = 1, .ymin = 0, .ymax = 4};
    tui_chart_draw(g, 0, 0, 8, 7, &s, 1, &o);
    static const char *const drop_block[] = {
        "        ",
        "4┤█     ",
        " ││     ",
        "2┤ │    ",
        "0┤ ▁▁▁▁▁",
        " └──────",
        "  0    4",
    };
    grid_is(g, drop_block, "chart: steep drop, block, bridged by '│'");
    tui_grid_free(g);
}

static void test_chart_layout(void)
{
    /* auto range: [0.83, 2.41] padded by 5% gets the ticks 1.0 1.5 2.0, each on the row where
     * a value equal to it would be drawn */
    float ys[3] = {0.83f, 1.5f, 2.41f};
    tui_series s = {ys, NULL, 3, TUI_STYLE_TOTAL, "total"};
    tui_chart_opts o = {.mode = TUI_UTF8_BRAILLE, .title = "loss"};
    tui_grid *g = tui_grid_new(30, 10);
    tap_ok(tui_chart_draw(g, 0, 0, 30, 10, &s, 1, &o) == 0, "chart: draws");
    char buf[256];
    int rows_ok = 1;
    for (int y = 1; y <= 7; y++) {
        tui_grid_row(g, y, buf, sizeof buf);
        const char *lab = strncmp(buf, "1.0┤", strlen("1.0┤")) == 0   ? "1.0"
                          : strncmp(buf, "1.5┤", strlen("1.5┤")) == 0 ? "1.5"
                          : strncmp(buf, "2.0┤", strlen("2.0┤")) == 0 ? "2.0"
                                                                       : NULL;
        if (!lab) {
            rows_ok &= strncmp(buf, "   │", strlen("   │")) == 0;
            continue;
        }
        /* the middle point is 1.5: it must sit on the 1.5 row */
        if (!strcmp(lab, "1.5"))
            rows_ok &= tui_grid_cell(g, 4 + 13, y)->cp >= 0x2800 ||
                       tui_grid_cell(g, 4 + 12, y)->cp >= 0x2800;
    }
    tui_grid_row(g, 0, buf, sizeof buf);
    rows_ok &= strcmp(buf, "loss  total 2.41              ") == 0;
    tui_grid_row(g, 9, buf, sizeof buf);
    rows_ok &= strcmp(buf, "    0                        2") == 0;
    tap_ok(rows_ok, "chart: auto range [0.83, 2.41]: ticks 1.0 1.5 2.0, title, legend, x labels");

    /* a horizontal line at a tick value lies on the tick's row */
    float half[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    s.ys = half, s.n = 4;
    tui_chart_opts f = {.mode = TUI_UTF8_BRAILLE, .fixed_y = 1, .ymin = 0, .ymax = 1};
    tui_chart_draw(g, 0, 0, 30, 10, &s, 1, &f);
    int tick_row = -1, line_row = -1;
    for (int y = 1; y <= 7; y++) {
        tui_grid_row(g, y, buf, sizeof buf);
        if (strncmp(buf, "0.5┤", strlen("0.5┤")) == 0) tick_row = y;
        if (tui_grid_cell(g, 10, y)->cp > 0x2800) line_row = y;
    }
    tap_ok(tick_row > 0 && tick_row == line_row,
           "chart: the line at 0.5 is on the 0.5 tick row (%d, %d)", tick_row, line_row);

    /* later series over earlier ones; braille dots of two series in one cell are merged */
    float lo[2] = {0, 0}, hi[2] = {1, 1}, mid[2] = {0.5f, 0.5f};
    tui_series two[3] = {{lo, NULL, 2, TUI_STYLE_TEACHER, "t"},
                         {hi, NULL, 2, TUI_STYLE_STUDENT, "s"},
                         {mid, NULL, 2, TUI_STYLE_BASELINE, NULL}};
    f.title = NULL;
    tui_chart_draw(g, 0, 0, 30, 10, two, 3, &f);
    tui_grid_row(g, 0, buf, sizeof buf);
    tap_ok(strcmp(buf, "t 0  s 1                      ") == 0 &&
               tui_grid_cell(g, 0, 0)->style == TUI_STYLE_TEACHER &&
               tui_grid_cell(g, 5, 0)->style == TUI_STYLE_STUDENT,
           "chart: legend entries in their series' styles, unlabelled series left out");
    tap_ok(tui_grid_cell(g, 10, 1)->style == TUI_STYLE_STUDENT &&
               tui_grid_cell(g, 10, 7)->style == TUI_STYLE_TEACHER,
           "chart: each series in its style");
    /* a top dot (0,0 bit 1) and a bottom one merge when both land in the same cell: draw a
     * 2-row plot where 0 and 0.1 share the bottom row */
    tui_grid *s4 = tui_grid_new(8, 5);
    float a[2] = {0, 0}, b[2] = {0.1f, 0.1f};
    tui_series ab[2] = {{a, NULL, 2, 1, NULL}, {b, NULL, 2, 2, NULL}};
    tui_chart_draw(s4, 0, 0, 8, 5, ab, 2, &f);
    tap_ok(tui_grid_cell(s4, 4, 2)->cp == 0x28E4 && tui_grid_cell(s4, 4, 2)->style == 2,
           "chart: dots of two series merge in a cell (U+%04X), the later one's style",
           (unsigned)tui_grid_cell(s4, 4, 2)->cp);
    tui_grid_free(s4);

    /* fixed x window: points outside are left out, the axis shows the window */
    float acc[3] = {0.6f, 0.7f, 0.8f}, ep[3] = {1, 2, 3};
    tui_series as = {acc, ep, 3, TUI_STYLE_STUDENT, "acc"};
    tui_chart_opts xo = {
        .mode = TUI_ASCII, .fixed_y = 1, .ymax = 1, .fixed_x = 1, .xmin = 0, .xmax = 10};
    tui_chart_draw(g, 0, 0, 30, 10, &as, 1, &xo);
    tui_grid_row(g, 9, buf, sizeof buf);
    int xok = strcmp(buf, "    0                       10") == 0;
    int leftmost = 99;
    for (int y = 1; y <= 7; y++)
        for (int x = 4; x < 30; x++)
            if (tui_grid_cell(g, x, y)->cp == '*' && x < leftmost) leftmost = x;
    tap_ok(xok && leftmost == 4 + 3, "chart: fixed x window [0, 10] (first point at column %d)",
           leftmost);

    /* degenerate input: nothing, one point, too small */
    tui_chart_opts d = {0};
    tap_ok(tui_chart_draw(g, 0, 0, 30, 10, NULL, 0, &d) == 0, "chart: no series draws axes");
    tui_grid_row(g, 9, buf, sizeof buf);
    tap_ok(strncmp(buf, "    0 ", 6) == 0 && strstr(buf, "1") == NULL,
           "chart: no data, x axis shows only its start");
    float one = 0.42f;
    tui_series os = {&one, NULL, 1, 1, "one"};
    tui_chart_draw(g, 0, 0, 30, 10, &os, 1, &d);
    tui_grid_row(g, 0, buf, sizeof buf);
    int dots = 0;
    for (int y = 1; y <= 7; y++)
        for (int x = 0; x < 30; x++)
            dots += tui_grid_cell(g, x, y)->cp > 0x2800 && tui_grid_cell(g, x, y)->cp <= 0x28FF;
    tap_ok(strncmp(buf, "one 0.42 ", 9) == 0 && dots == 1, "chart: one point is one dot");
    tui_series es = {NULL, NULL, 5, 1, "empty"};
    tap_ok(tui_chart_draw(g, 0, 0, 30, 10, &es, 1, NULL) == 0,
           "chart: a series without values and NULL options are fine");
    tui_grid_fill(g, 0, 0, 30, 10, 'x', 0);
    tap_ok(tui_chart_draw(g, 0, 0, 30, 4, &os, 1, &d) == -1 &&
               tui_chart_draw(g, 0, 0, 4, 10, &os, 1, &d) == -1,
           "chart: too small a box is refused");
    tui_grid_row(g, 5, buf, sizeof buf);
    tap_ok(strcmp(buf, "    xxxxxxxxxxxxxxxxxxxxxxxxxx") == 0,
           "chart: a refused box is still cleared");
    tui_grid_free(g);
}

static void test_chart_nan(void)
{
    /* a NaN or Inf in the middle is skipped: the chart equals the one without that point */
    float with[6] = {1, 2, NAN, 3, INFINITY, 2}, xw[6] = {0, 1, 2, 3, 4, 5};
    float without[4] = {1, 2, 3, 2}, xo[4] = {0, 1, 3, 5};
    tui_grid *a = tui_grid_new(20, 8), *b = tui_grid_new(20, 8);
    int ok = 1;
    for (int m = 0; m < 3; m++) {
        tui_chart_opts o = {.mode = (tui_charset)m};
        tui_series sa = {with, xw, 6, 1, "s"}, sb = {without, xo, 4, 1, "s"};
        tui_chart_draw(a, 0, 0, 20, 8, &sa, 1, &o);
        tui_chart_draw(b, 0, 0, 20, 8, &sb, 1, &o);
        ok &= grids_equal(a, b);
    }
    tap_ok(ok, "chart: NaN and Inf values are skipped, in all modes");

    /* NaN as an x too; a NaN at the end: the last value in the legend is the last finite one */
    float xs[4] = {0, NAN, 2, 3}, ys[4] = {1, 5, 2, NAN};
    tui_series s = {ys, xs, 4, 1, "s"};
    tui_chart_opts o = {.mode = TUI_ASCII};
    tui_chart_draw(a, 0, 0, 20, 8, &s, 1, &o);
    char buf[128];
    tui_grid_row(a, 0, buf, sizeof buf);
    tap_ok(strncmp(buf, "* s 2 ", 6) == 0, "chart: legend shows the last finite value (%s)", buf);
    tui_grid_row(a, 7, buf, sizeof buf);
    tap_ok(strstr(buf, "2") != NULL && strstr(buf, "3") == NULL,
           "chart: x range from points with finite x and y (%s)", buf);

    /* all NaN: axes, no line, "-" in the legend */
    float nan3[3] = {NAN, NAN, NAN};
    tui_series ns = {nan3, NULL, 3, 1, "s"};
    tui_chart_opts bo = {0};
    tap_ok(tui_chart_draw(a, 0, 0, 20, 8, &ns, 1, &bo) == 0, "chart: all NaN draws");
    tui_grid_row(a, 0, buf, sizeof buf);
    int dots = 0;
    for (int y = 1; y < 6; y++)
        for (int x = 0; x < 20; x++)
            dots += tui_grid_cell(a, x, y)->cp >= 0x2800 && tui_grid_cell(a, x, y)->cp <= 0x28FF;
    tap_ok(strncmp(buf, "s - ", 4) == 0 && dots == 0, "chart: all NaN: no dots, legend \"s -\"");

    /* NaN in the fixed range falls back to auto, NaN smoothing factor means none */
    float ys2[3] = {1, 2, 3};
    tui_series s2 = {ys2, NULL, 3, 1, "s"};
    tui_chart_opts n1 = {.fixed_y = 1, .ymin = NAN, .ymax = 1, .smooth = NAN}, n2 = {0};
    tui_chart_draw(a, 0, 0, 20, 8, &s2, 1, &n1);
    tui_chart_draw(b, 0, 0, 20, 8, &s2, 1, &n2);
    tap_ok(grids_equal(a, b), "chart: a NaN range or smoothing factor is ignored");
    tui_grid_free(a);
    tui_grid_free(b);
}

/* ---- clipping -------------------------------------------------------------------------------- */

static void test_clipping(void)
{
    float ys[50];
    for (int i = 0; i < 50; i++)
        ys[i] = (float)sin(i * 0.3) * 2 + 1;
    uint8_t img[28 * 28];
    for (int i = 0; i < 28 * 28; i++)
        img[i] = (uint8_t)(i * 7);
    tui_series s[2] = {{ys, NULL, 50, 1, "sine"}, {ys + 10, NULL, 40, 2, "shifted"}};

    /* draw each picture whole on a big grid, then at offsets on a small one that cuts it on
     * every side: each small cell must equal the big picture's cell or be blank */
    static const int offs[][2] = {{-5, -3}, {7, 4}, {-30, 2}, {3, -20}, {-7, 8}, {15, -4}};
    int ok = 1;
    for (int m = 0; m < 3; m++) {
        tui_chart_opts o = {.mode = (tui_charset)m, .title = "clip", .smooth = 0.3f};
        tui_grid *big = tui_grid_new(24, 12);
        tui_chart_draw(big, 0, 0, 24, 12, s, 2, &o);
        for (size_t k = 0; k < sizeof offs / sizeof offs[0]; k++) {
            tui_grid *small = tui_grid_new(13, 7);
            tui_chart_draw(small, offs[k][0], offs[k][1], 24, 12, s, 2, &o);
            ok &= window_matches(small, big, -offs[k][0], -offs[k][1]);
            tui_grid_free(small);
        }
        tui_grid_free(big);

        big = tui_grid_new(28, 14);
        tui_image_draw(big, 0, 0, 28, 14, img, 28, 28, 3, (tui_charset)m);
        for (size_t k = 0; k < sizeof offs / sizeof offs[0]; k++) {
            tui_grid *small = tui_grid_new(13, 7);
            tui_image_draw(small, offs[k][0], offs[k][1], 28, 14, img, 28, 28, 3, (tui_charset)m);
            ok &= window_matches(small, big, -offs[k][0], -offs[k][1]);
            tui_grid_free(small);
        }
        tui_grid_free(big);

        big = tui_grid_new(20, 1);
        tui_bar_draw(big, 0, 0, 20, 0.77f, 4, (tui_charset)m);
        tui_grid *small = tui_grid_new(9, 1);
        tui_bar_draw(small, -6, 0, 20, 0.77f, 4, (tui_charset)m);
        ok &= window_matches(small, big, 6, 0);
        tui_grid_free(small);
        tui_grid_free(big);
    }
    tap_ok(ok, "clip: charts, images and bars cut by the grid's edges match the whole picture");

    /* wholly outside, and absurd coordinates: nothing drawn, nothing overflows */
    tui_grid *g = tui_grid_new(10, 5);
    tui_chart_opts o = {0};
    tui_chart_draw(g, 100, 100, 24, 12, s, 2, &o);
    tui_chart_draw(g, -100, -100, 24, 12, s, 2, &o);
    tui_chart_draw(g, INT_MAX - 3, INT_MAX - 3, 24, 12, s, 2, &o);
    tui_chart_draw(g, INT_MIN, 0, INT_MAX, INT_MAX, s, 2, &o);
    tui_image_draw(g, INT_MAX - 1, 0, 28, 14, img, 28, 28, 0, TUI_ASCII);
    tui_image_draw(g, -20, -20, 28, 14, img, 28, 28, 0, TUI_ASCII);
    tui_bar_draw(g, INT_MAX - 2, 0, 10, 1, 1, TUI_ASCII);
    tui_bar_draw(g, INT_MIN, 0, INT_MAX, 1, 1, TUI_ASCII);
    tui_grid_text(g, INT_MAX - 1, 0, 0, "overflow", -1);
    tui_grid_text(g, 0, INT_MIN, 0, "overflow", -1);
    tui_grid_put(g, INT_MIN, INT_MAX, 'x', 0);
    tui_grid *blank = tui_grid_new(10, 5);
    tap_ok(grids_equal(g, blank),
           "clip: pictures wholly outside or at absurd coordinates draw nothing");
    tui_grid_free(blank);
    tui_grid_free(g);
}

/* ---- smoothing ------------------------------------------------------------------------------- */

static void test_smoothing(void)
{
    float ys[5] = {1, NAN, 3, 5, INFINITY}, out[5];
    tui_smooth_ema(ys, 5, 0.5f, out);
    /* started at the first value, NaN and Inf passed over: 1, -, .5*1+.5*3 = 2, .5*2+.5*5 */
    tap_ok(out[0] == 1 && isnan(out[1]) && out[2] == 2 && out[3] == 3.5f && isnan(out[4]),
           "smooth: 1 nan 2 3.5 nan");
    tui_smooth_ema(ys, 5, 0, out);
    tap_ok(out[0] == 1 && out[2] == 3 && out[3] == 5, "smooth: factor 0 is the identity");
    float in_place[3] = {0, 10, 10};
    tui_smooth_ema(in_place, 3, 0.9f, in_place);
    tap_close(in_place[2], 1.9, 1e-6, "smooth: in place, 0.9: 0 -> 1 -> 1.9");

    /* the chart's smoothing is tui_smooth_ema: a noisy series drawn smoothed equals the
     * pre-smoothed series drawn raw, legend included */
    enum { N = 300 };
    float noisy[N], pre[N];
    for (int i = 0; i < N; i++)
        noisy[i] = (float)(2 * exp(-i / 80.0) + 0.5 * ((i * 7919) % 13 - 6) / 6.0);
    noisy[40] = NAN;
    tui_smooth_ema(noisy, N, 0.8f, pre);
    tui_grid *a = tui_grid_new(30, 10), *b = tui_grid_new(30, 10);
    int ok = 1;
    for (int m = 0; m < 3; m++) {
        tui_series sa = {noisy, NULL, N, 1, "loss"}, sb = {pre, NULL, N, 1, "loss"};
        tui_chart_opts oa = {.mode = (tui_charset)m, .smooth = 0.8f}, ob = {.mode = (tui_charset)m};
        tui_chart_draw(a, 0, 0, 30, 10, &sa, 1, &oa);
        tui_chart_draw(b, 0, 0, 30, 10, &sb, 1, &ob);
        ok &= grids_equal(a, b);
    }
    tap_ok(ok, "smooth: the chart with smoothing 0.8 equals tui_smooth_ema's values drawn raw");

    /* and smoothing calms the line: a zigzag of one point a column becomes nearly flat */
    float zig[26];
    for (int i = 0; i < 26; i++)
        zig[i] = i % 2 ? 2.5f : 0.5f;
    tui_series sr = {zig, NULL, 26, 1, NULL};
    tui_chart_opts raw = {.mode = TUI_ASCII, .fixed_y = 1, .ymin = 0, .ymax = 3},
                   sm = {.mode = TUI_ASCII, .fixed_y = 1, .ymin = 0, .ymax = 3, .smooth = 0.9f};
    tui_chart_draw(a, 0, 0, 30, 10, &sr, 1, &raw);
    tui_chart_draw(b, 0, 0, 30, 10, &sr, 1, &sm);
    int na = 0, nb = 0;
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 30; x++)
            na += tui_grid_cell(a, x, y)->cp == '*', nb += tui_grid_cell(b, x, y)->cp == '*';
    tap_ok(nb < na / 2, "smooth: the smoothed zigzag is under half as long (%d vs %d cells)", nb,
           na);
    tui_grid_free(a);
    tui_grid_free(b);
}

/* ---- downsampling and speed ------------------------------------------------------------------ */

static void test_downsampling(void)
{
    enum { N = 100000 };
    float *alt = malloc(N * sizeof *alt), *flat = malloc(N * sizeof *flat);
    float *loss = malloc(N * sizeof *loss), *ce = malloc(N * sizeof *ce);
    float *kl = malloc(N * sizeof *kl);
    if (!alt || !flat || !loss || !ce || !kl) {
        tap_ok(0, "downsample: memory");
        return;
    }
    for (int i = 0; i < N; i++) {
        alt[i] = i % 2 ? 0.6f : 0.2f; /* mean 0.4; the last value of any column is 0.2 or 0.6 */
        flat[i] = 0.4f;
        double noise = ((i * 2654435761u) >> 8 & 0xFFFF) / 65536.0 - 0.5;
        ce[i] = (float)(1.5 * exp(-i / 20000.0) + 0.2 + 0.2 * noise);
        kl[i] = (float)(0.8 * exp(-i / 9000.0) + 0.1 + 0.1 * noise);
        loss[i] = 0.3f * ce[i] + 0.7f * kl[i];
    }
    /* 44 columns: labels "0.0" etc. (3) and the axis leave 40 columns, 80 braille dots */
    tui_grid *a = tui_grid_new(44, 10), *b = tui_grid_new(44, 10);
    tui_chart_opts o = {.fixed_y = 1, .ymin = 0, .ymax = 1};
    tui_series sa = {alt, NULL, N, 1, "x"}, sb = {flat, NULL, N, 1, "x"};
    tui_chart_draw(a, 0, 0, 44, 10, &sa, 1, &o);
    tui_chart_draw(b, 0, 0, 44, 10, &sb, 1, &o);
    char buf[256];
    tui_grid_row(a, 9, buf, sizeof buf);
    int same_plot = 1;
    for (int y = 1; y < 10; y++)
        for (int x = 0; x < 44; x++)
            same_plot &= same_cell(tui_grid_cell(a, x, y), tui_grid_cell(b, x, y));
    tap_ok(same_plot && strcmp(buf, "    0                                  99999") == 0,
           "downsample: 100000 alternating .2/.6 into 40 columns plot as their mean .4");

    /* timing: the best of 20 draws, so that a busy machine does not fail the test; auto range
     * (two passes over the data), plain and smoothed, and the three curves of the loss chart */
    double best_plain = 1e9, best_smooth = 1e9, best3 = 1e9;
    tui_series one = {loss, NULL, N, TUI_STYLE_TOTAL, "total"};
    tui_series three[3] = {{loss, NULL, N, TUI_STYLE_TOTAL, "total"},
                           {ce, NULL, N, TUI_STYLE_CE, "CE"},
                           {kl, NULL, N, TUI_STYLE_KL, "T²KL"}};
    tui_chart_opts plain = {.title = "loss"}, smooth = {.title = "loss", .smooth = 0.6f};
    for (int k = 0; k < 20; k++) {
        double t0 = now_ms();
        tui_chart_draw(a, 0, 0, 44, 10, &one, 1, &plain);
        double t1 = now_ms();
        tui_chart_draw(a, 0, 0, 44, 10, &one, 1, &smooth);
        double t2 = now_ms();
        tui_chart_draw(b, 0, 0, 44, 10, three, 3, &smooth);
        double t3 = now_ms();
        best_plain = fmin(best_plain, t1 - t0), best_smooth = fmin(best_smooth, t2 - t1);
        best3 = fmin(best3, t3 - t2);
    }
    tap_diag("100000 points into 40 columns, auto range: %.3f ms; smoothed %.3f ms; "
             "three smoothed series %.3f ms",
             best_plain, best_smooth, best3);
    tap_ok(best_plain < 5, "downsample: 100000 points into 40 columns in %.3f ms (< 5 ms)",
           best_plain);
    tui_grid_row(b, 0, buf, sizeof buf);
    tap_ok(strncmp(buf, "loss  total ", 12) == 0 && strstr(buf, "CE ") && strstr(buf, "T²KL "),
           "downsample: legend of the three loss curves (%s)", buf);
    free(alt), free(flat), free(loss), free(ce), free(kl);
    tui_grid_free(a);
    tui_grid_free(b);
}

/* x as the index (xs == NULL) is drawn a run of indices at a time; it must agree with the same
 * points given explicit xs, which go one point at a time */
static void test_index_path(void)
{
    enum { N = 5000 };
    float *ys = malloc(N * sizeof *ys), *xs = malloc(N * sizeof *xs);
    if (!ys || !xs) {
        tap_ok(0, "index path: memory");
        return;
    }
    for (int i = 0; i < N; i++) {
        ys[i] = (float)(1 / (1 + i / 500.0) + 0.2 * sin(i * 1.7));
        xs[i] = (float)i;
    }
    ys[0] = ys[777] = ys[N - 1] = NAN;
    ys[2000] = INFINITY;
    tui_grid *a = tui_grid_new(37, 9), *b = tui_grid_new(37, 9);
    int ok = 1, cases = 0;
    for (int m = 0; m < 3; m++)
        for (int sm = 0; sm < 2; sm++)
            for (int fx = 0; fx < 2; fx++) {
                tui_chart_opts o = {.mode = (tui_charset)m, .smooth = sm ? 0.7f : 0,
                                    .fixed_x = fx, .xmin = 1000, .xmax = 4000.5};
                tui_series si = {ys, NULL, N, 1, "s"}, sx = {ys, xs, N, 1, "s"};
                tui_chart_draw(a, 0, 0, 37, 9, &si, 1, &o);
                tui_chart_draw(b, 0, 0, 37, 9, &sx, 1, &o);
                ok &= grids_equal(a, b);
                cases++;
            }
    tap_ok(ok, "index path: NULL xs equals explicit xs (%d cases: modes, smoothing, x window)",
           cases);
    free(ys), free(xs);
    tui_grid_free(a);
    tui_grid_free(b);
}

int main(void)
{
    test_grid();
    test_bars();
    test_images();
    test_ticks();
    test_chart_shapes();
    test_chart_layout();
    test_chart_nan();
    test_clipping();
    test_smoothing();
    test_downsampling();
    test_index_path();
    return tap_done();
}

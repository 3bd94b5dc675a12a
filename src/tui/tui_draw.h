/* tui_draw: the pure drawing layer of the screen. Bars, greyscale images and line charts are
 * rendered into a tui_grid, an in-memory rectangle of cells (one character and a style number
 * each), so that every picture can be tested against an expected character grid without a
 * terminal; the screen copies the grid to curses. No curses, no locale and no allocation here
 * beyond the grid itself: the screen redraws 10-20 times a second.
 *
 * Every draw function clips to the grid, so a box may lie partly or wholly outside it. Boxes
 * larger than TUI_MAX_DIM, or placed further than TUI_MAX_DIM from the origin, are not drawn
 * (this keeps all coordinate arithmetic far from int overflow). All the characters this module
 * writes are one column wide, and tui_grid_text assumes the same of its input. */
#ifndef DISTILLERY_TUI_DRAW_H
#define DISTILLERY_TUI_DRAW_H

#include <stddef.h>
#include <stdint.h>

#define TUI_MAX_DIM 32768

/* The characters a picture may use, chosen by the screen from the locale and the font. */
typedef enum tui_charset {
    TUI_UTF8_BRAILLE, /* braille lines (2x4 dots a cell), eighth-block bars, half-block images */
    TUI_UTF8_BLOCK,   /* no braille, for fonts without it: lines as lower eighth blocks with
                         '│' connectors; bars and images as in TUI_UTF8_BRAILLE */
    TUI_ASCII         /* 7-bit only: '#'/'=' bars, '*' '+' 'o' 'x' lines, " .:-=+*#%@" images */
} tui_charset;

/* Style numbers: the screen maps them to colours (or to bold/dim without colour). 0 is the
 * terminal's default; a caller may use any other value in 0..255 for its own purposes (a cell
 * keeps the low 8 bits). */
enum {
    TUI_STYLE_DEFAULT = 0,
    TUI_STYLE_AXIS,     /* chart axes and tick labels */
    TUI_STYLE_DIM,      /* secondary text */
    TUI_STYLE_TITLE,    /* headers */
    TUI_STYLE_TEACHER,  /* teacher bars and curves */
    TUI_STYLE_STUDENT,  /* distilled student */
    TUI_STYLE_BASELINE, /* the scratch student trained from hard labels */
    TUI_STYLE_TRUE,     /* the true class */
    TUI_STYLE_TOTAL,    /* loss curves: total, CE, T^2*KL */
    TUI_STYLE_CE,
    TUI_STYLE_KL,
    TUI_STYLE_WARN,
    TUI_STYLE_ERROR,
    TUI_STYLE_COUNT
};

/* One character cell. cp and utf8 always agree; utf8 is NUL-terminated. */
typedef struct tui_cell {
    uint32_t cp;   /* Unicode code point, ' ' in a blank cell */
    uint8_t style; /* TUI_STYLE_* or the caller's own */
    char utf8[5];  /* cp encoded, for addstr-style output */
} tui_cell;

/* ---- the grid -------------------------------------------------------------------------------- */

typedef struct tui_grid tui_grid;

/* A w x h grid of blank cells (1 <= w, h <= TUI_MAX_DIM), or NULL; caller frees with
 * tui_grid_free. */
tui_grid *tui_grid_new(int w, int h);
void tui_grid_free(tui_grid *g); /* NULL is fine */
int tui_grid_width(const tui_grid *g);
int tui_grid_height(const tui_grid *g);

/* Every cell blank (' ', style 0). */
void tui_grid_clear(tui_grid *g);

/* Set one cell; outside the grid nothing happens. Control characters (C0, DEL, C1) become '?'
 * and invalid code points U+FFFD, so the grid never holds anything a terminal would act on. */
void tui_grid_put(tui_grid *g, int x, int y, uint32_t cp, int style);

/* Fill a box with one character, clipped. */
void tui_grid_fill(tui_grid *g, int x, int y, int w, int h, uint32_t cp, int style);

/* Write UTF-8 text from (x, y) rightwards, one column per character, at most maxw columns
 * (maxw < 0: no limit), clipped to the grid. Invalid UTF-8 shows as U+FFFD. Returns the
 * columns the text takes (after maxw, before clipping), so calls can be chained. */
int tui_grid_text(tui_grid *g, int x, int y, int style, const char *utf8, int maxw);

/* tui_grid_text with printf formatting (at most 1023 bytes of text). */
int tui_grid_printf(tui_grid *g, int x, int y, int style, int maxw, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Columns a UTF-8 string takes under the one-column rule (its number of code points). */
int tui_text_width(const char *utf8);

/* The cell at (x, y), borrowed (valid until the grid is freed), or NULL outside the grid. */
const tui_cell *tui_grid_cell(const tui_grid *g, int x, int y);

/* The cell's character as UTF-8, borrowed; "" outside the grid. */
const char *tui_grid_get(const tui_grid *g, int x, int y);

/* Row y as one UTF-8 string into buf (always NUL-terminated when len > 0, cut at a character
 * boundary when short). Returns the bytes the whole row needs, without the NUL (as snprintf),
 * or -1 when y is outside the grid. */
int tui_grid_row(const tui_grid *g, int y, char *buf, size_t len);

/* ---- numbers --------------------------------------------------------------------------------- */

/* A probability in 3-4 characters for the bar views: ".31", ".05", "1.00" (from .995 up),
 * "nan"; values outside [0, 1] are clamped. Returns buf (len >= 5 always suffices). */
const char *tui_prob_format(float p, char *buf, size_t len);

/* A compact number, about 3 significant digits, as used in legends and on the x axis:
 * "0.412", "12.3", "1420", "100000", "1.5e-5", "-" for NaN/Inf. Returns buf (len >= 12). */
const char *tui_num_format(double v, char *buf, size_t len);

#define TUI_TICK_LABEL 16

typedef struct tui_tick {
    double v;
    char label[TUI_TICK_LABEL];
} tui_tick;

/* Nicely rounded ticks (multiples of 1, 2 or 5 times a power of ten) inside [lo, hi]:
 * [0,1] -> 0.0 0.5 1.0; [0.83,2.41] -> 1.0 1.5 2.0; [1e-4,3e-4] -> 1e-4 2e-4 3e-4. Labels share
 * one number of decimals while that stays short (up to 3, below 1e6), and are otherwise each
 * a mantissa and exponent ("5e-5", "1.5e-4", "2e6"). Picks the finest step that gives at most
 * maxticks (clamped to 2..8) ticks, or a coarser one when that would give fewer than two; a
 * range flat to 1e-9 gets its one value. Fills out[8]; returns the count (0 for a non-finite
 * range). */
int tui_ticks(double lo, double hi, int maxticks, tui_tick *out);

/* ---- bars and images ------------------------------------------------------------------------- */

/* A horizontal bar of w cells filled to value in [0, 1] (clamped; NaN draws empty): eighths of
 * a cell in the UTF-8 modes, halves ('=') in ASCII, rounded to the nearest. The filled cells get
 * style, the rest are blank with style 0, so a redraw needs no clearing. */
void tui_bar_draw(tui_grid *g, int x, int y, int w, float value, int style, tui_charset mode);

/* The cells (cw x ch) an image of rows x cols pixels takes in a w x h box: the largest integer
 * multiple of its size that fits, or, when it does not fit at all, the largest box-filtered
 * size with the same aspect. A cell is one pixel wide and two high (cells are about twice as
 * tall as wide, so pixels stay square): 28x28 at natural size is 28 columns by 14 rows. */
void tui_image_size(int rows, int cols, int w, int h, int *cw, int *ch);

/* Greyscale pixels (rows, cols), row-major, 0 black (background) to 255 white, drawn in style
 * as large as fits, centred in the w x h box, the rest of which is cleared. Each cell shows two
 * pixel rows a (upper) and b (lower):
 *   UTF-8 modes: when |a - b| >= 128 the cell holds an edge, and the brighter half is drawn
 *                ('▀' or '▄'); otherwise the mean m picks a shade, ' ' '░' '▒' '▓' '█' for
 *                m*5/256 = 0..4. Edges keep the outline sharp; shades keep the texture that
 *                thresholding at 128 would lose.
 *   ASCII:       the mean m picks from the ramp " .:-=+*#%@" at m*10/256.
 * An odd last pixel row is paired with black. */
void tui_image_draw(tui_grid *g, int x, int y, int w, int h, const uint8_t *pixels, int rows,
                    int cols, int style, tui_charset mode);

/* ---- line charts ----------------------------------------------------------------------------- */

typedef struct tui_series {
    const float *ys;   /* (n) values, borrowed; NaN and Inf are skipped */
    const float *xs;   /* (n) x values in ascending order (otherwise still safe: the line
                          follows the given order), or NULL for 0..n-1 (the fastest) */
    int n;             /* 0 is fine */
    int style;         /* of the line and its legend entry */
    const char *label; /* legend text, or NULL for none */
} tui_series;

/* Zero-initialised options are sensible: braille, auto range, no smoothing, with a legend. */
typedef struct tui_chart_opts {
    tui_charset mode;
    /* nonzero: the y axis spans [ymin, ymax] (e.g. [0, 1] for accuracy), values outside are
     * drawn at the edge; zero, or a NaN or empty range: auto */
    int fixed_y;
    double ymin, ymax;
    /* nonzero: the x axis spans [xmin, xmax] (e.g. epochs 0..E before they happen), points
     * outside are left out; zero: from the first to the last point */
    int fixed_x;
    double xmin, xmax;
    /* EMA weight of the past in [0, 1): s = smooth*s + (1-smooth)*y, started at the first
     * finite value; 0 (or NaN) draws the raw values */
    float smooth;
    int axis_style;    /* axes, tick labels and title */
    const char *title; /* shown first on the legend row, or NULL */
    int no_legend;     /* nonzero: no legend row (and no title) */
} tui_chart_opts;

/* A line chart owning the box (x, y, w, h), which it clears first:
 *   row 0          legend: the title, then per series "label value", value being the series'
 *                  last finite value (smoothed when smoothing is on, so it matches the end of
 *                  the line); in ASCII each entry starts with the series' marker
 *   rows 1..h-3    the plot, with y tick labels right-aligned in a column on its left and the
 *                  y axis ('┤' at ticks, '│' between; ASCII '+' and '|'); a tick's label is on
 *                  the row where a value equal to it is drawn
 *   row h-2        the x axis ('└──'; ASCII "+--")
 *   row h-1        the first and last x values at the two ends
 * Without a legend the plot starts on row 0. Auto range: the extent of what is plotted, padded by
 * 5% of the span each side (not below 0 when no value is negative). Points are grouped by the dot
 * column (braille: 2 a cell) or cell column (block, ASCII) they fall in, and each column plots the
 * MEAN of its group (of the smoothed values): noise averages out instead of aliasing. The data is
 * read twice with an auto y range (extent, then drawing), once with a fixed one, and nothing is
 * allocated. Consecutive columns are joined: Bresenham on the braille dots, or on the cells with
 * the series' marker ('*' '+' 'o' 'x' by series index) in ASCII; in block mode each cell column
 * holds a lower eighth block ▁..█ whose top edge is at the value, and '│' bridges rows skipped by
 * steep steps. Later series are drawn over earlier ones (braille dots of several series in one
 * cell are merged, in the last one's style). series may be NULL when nseries is 0, o NULL for the
 * defaults; the series are only read during the call. Returns 0, or -1 when the box is too small
 * for the axes and two plot rows and columns (it is then only cleared). */
int tui_chart_draw(tui_grid *g, int x, int y, int w, int h, const tui_series *series, int nseries,
                   const tui_chart_opts *o);

/* The smoothing tui_chart_draw applies, for callers that want the values (a PNG plot, a
 * headless log): out[i] = smoothed ys[i], NaN where ys[i] is not finite (the average passes over
 * it). out may be ys. factor is clamped to [0, 0.999]. */
void tui_smooth_ema(const float *ys, int n, float factor, float *out);

#endif

/* plot_canvas: the pixels behind every chart distillery writes for slides and reports. An RGB
 * canvas in one allocation; rectangles, anti-aliased lines and bitmap text drawn into it, all
 * clipped so that no input (huge, negative or non-finite coordinates) can write outside it; and
 * its PNG written through libpng atomically (temporary file, fsync, rename), so a failed write
 * never leaves a truncated chart where a good one was.
 *
 * Geometry: pixel (x, y) is the unit square whose centre is at (x, y). So a line from (10, 5) to
 * (50, 5) one pixel wide colours exactly row 5, and integer coordinates give crisp axes. */
#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot/plot_canvas.h"
#include "distillery/train_checkpoint.h"

struct plot_canvas {
    int w, h;
    uint8_t px[]; /* (h, w, 3), row-major RGB: the PNG rows as they are written */
};

/* --- Canvas ------------------------------------------------------------------------------- */

plot_canvas *plot_canvas_new(int w, int h, plot_rgb bg)
{
    if (w < 16 || h < 16 || w > 8192 || h > 8192) return NULL;
    size_t n = (size_t)w * (size_t)h;
    plot_canvas *c = malloc(sizeof *c + 3 * n);
    if (!c) return NULL;
    c->w = w;
    c->h = h;
    for (size_t i = 0; i < n; i++) {
        c->px[3 * i] = bg.r;
        c->px[3 * i + 1] = bg.g;
        c->px[3 * i + 2] = bg.b;
    }
    return c;
}

void plot_canvas_free(plot_canvas *c)
{
    free(c);
}

int plot_canvas_width(const plot_canvas *c)
{
    return c ? c->w : 0;
}

int plot_canvas_height(const plot_canvas *c)
{
    return c ? c->h : 0;
}

plot_rgb plot_canvas_get(const plot_canvas *c, int x, int y)
{
    plot_rgb black = {0, 0, 0};
    if (!c || x < 0 || y < 0 || x >= c->w || y >= c->h) return black;
    const uint8_t *p = c->px + 3 * ((size_t)y * (size_t)c->w + (size_t)x);
    plot_rgb v = {p[0], p[1], p[2]};
    return v;
}

/* --- Rectangles --------------------------------------------------------------------------- */

/* Corners in long long so that x + w cannot overflow for any pair of ints callers pass. */
static void fill_span(plot_canvas *c, long long x0, long long y0, long long x1, long long y1,
                      plot_rgb col)
{
    /* fills [x0, x1) x [y0, y1), clipped */
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > c->w) x1 = c->w;
    if (y1 > c->h) y1 = c->h;
    if (x0 >= x1 || y0 >= y1) return; /* before forming a row pointer that could be off the end */
    for (long long y = y0; y < y1; y++) {
        uint8_t *p = c->px + 3 * ((size_t)y * (size_t)c->w + (size_t)x0);
        for (long long x = x0; x < x1; x++, p += 3) {
            p[0] = col.r;
            p[1] = col.g;
            p[2] = col.b;
        }
    }
}

void plot_fill_rect(plot_canvas *c, int x, int y, int w, int h, plot_rgb col)
{
    if (!c || w <= 0 || h <= 0) return;
    fill_span(c, x, y, (long long)x + w, (long long)y + h, col);
}

void plot_rect(plot_canvas *c, int x, int y, int w, int h, int width, plot_rgb col)
{
    if (!c || w <= 0 || h <= 0) return;
    long long t = width < 1 ? 1 : width;
    long long x1 = (long long)x + w, y1 = (long long)y + h;
    if (2 * t >= w || 2 * t >= h) { /* the border meets itself: it is all border */
        fill_span(c, x, y, x1, y1, col);
        return;
    }
    fill_span(c, x, y, x1, y + t, col);            /* top */
    fill_span(c, x, y1 - t, x1, y1, col);          /* bottom */
    fill_span(c, x, y + t, x + t, y1 - t, col);    /* left */
    fill_span(c, x1 - t, y + t, x1, y1 - t, col); /* right */
}

/* --- Lines -------------------------------------------------------------------------------- */

/* col over the pixel by coverage a in [0, 1]; (x, y) must be on the canvas */
static void blend(plot_canvas *c, int x, int y, plot_rgb col, double a)
{
    uint8_t *p = c->px + 3 * ((size_t)y * (size_t)c->w + (size_t)x);
    p[0] = (uint8_t)lrint(p[0] + (col.r - p[0]) * a);
    p[1] = (uint8_t)lrint(p[1] + (col.g - p[1]) * a);
    p[2] = (uint8_t)lrint(p[2] + (col.b - p[2]) * a);
}

/* Liang-Barsky: cut the segment to the box [lo, hi] on both axes. Done in half units because
 * x1 - x0 overflows to infinity for endpoints near +-DBL_MAX; halving is exact, so ordinary
 * inputs get the same answer. A cut endpoint takes the box edge that cut it exactly, since
 * x0 + t * dx cancels catastrophically when x0 is huge (a horizontal line from -1e300 to 1e300
 * must still land on its row). Returns 0 when nothing of the segment is in the box. */
static int clip_segment(double *x0, double *y0, double *x1, double *y1, double xlo, double ylo,
                        double xhi, double yhi)
{
    double hx0 = *x0 * 0.5, hy0 = *y0 * 0.5;
    double hdx = *x1 * 0.5 - hx0, hdy = *y1 * 0.5 - hy0;
    double p[4] = {-hdx, hdx, -hdy, hdy};
    double q[4] = {hx0 - xlo * 0.5, xhi * 0.5 - hx0, hy0 - ylo * 0.5, yhi * 0.5 - hy0};
    double edge[4] = {xlo, xhi, ylo, yhi};
    double t0 = 0, t1 = 1;
    int k0 = -1, k1 = -1; /* the edge that cut each end, -1 for none */
    for (int k = 0; k < 4; k++) {
        if (p[k] == 0) {
            if (q[k] < 0) return 0; /* parallel to this edge and outside it */
            continue;
        }
        double t = q[k] / p[k];
        if (p[k] < 0 && t > t0) {
            t0 = t;
            k0 = k;
        } else if (p[k] > 0 && t < t1) {
            t1 = t;
            k1 = k;
        }
    }
    if (!(t0 <= t1)) return 0;
    double nx0 = *x0, ny0 = *y0, nx1 = *x1, ny1 = *y1;
    if (k0 >= 0) {
        nx0 = k0 < 2 ? edge[k0] : 2 * (hx0 + t0 * hdx);
        ny0 = k0 >= 2 ? edge[k0] : 2 * (hy0 + t0 * hdy);
    }
    if (k1 >= 0) {
        nx1 = k1 < 2 ? edge[k1] : 2 * (hx0 + t1 * hdx);
        ny1 = k1 >= 2 ? edge[k1] : 2 * (hy0 + t1 * hdy);
    }
    if (!isfinite(nx0) || !isfinite(ny0) || !isfinite(nx1) || !isfinite(ny1)) return 0;
    /* rounding in the cut of a wild input can land a hair outside; the box is a promise */
    *x0 = fmin(fmax(nx0, xlo), xhi);
    *y0 = fmin(fmax(ny0, ylo), yhi);
    *x1 = fmin(fmax(nx1, xlo), xhi);
    *y1 = fmin(fmax(ny1, ylo), yhi);
    return 1;
}

/* The line is a capsule (a segment with round caps) of radius width / 2; each pixel gets the
 * coverage 1 - (distance past the edge) ramped over one pixel, which integrates across the line
 * to its width at every angle, so thin diagonals are neither fainter nor heavier than
 * horizontals, and consecutive segments of a curve join without gaps. */
void plot_line(plot_canvas *c, double x0, double y0, double x1, double y1, double width,
               plot_rgb col)
{
    if (!c) return;
    if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1)) return;
    if (!(width >= 1)) width = 1; /* NaN too */
    if (width > 8) width = 8;
    double r = width / 2;
    /* a margin wider than the capsule's reach: caps moved by the cut stay off the canvas */
    double m = r + 2;
    if (!clip_segment(&x0, &y0, &x1, &y1, -m, -m, c->w - 1 + m, c->h - 1 + m)) return;

    double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    double reach = r + 1; /* beyond this distance coverage is zero */
    int steep = fabs(dy) > fabs(dx);
    /* walk the major axis; across it only a band of half-height reach * len / |major| can be
     * touched (1 to sqrt 2 times reach), instead of the whole bounding box */
    double a0 = steep ? y0 : x0, a1 = steep ? y1 : x1; /* major axis */
    double b0 = steep ? x0 : y0, b1 = steep ? x1 : y1; /* minor axis */
    double da = a1 - a0, db = b1 - b0;
    int amax = steep ? c->h - 1 : c->w - 1, bmax = steep ? c->w - 1 : c->h - 1;
    double band = fabs(da) > 1e-9 ? reach * sqrt(len2) / fabs(da) : reach;
    long alo = lrint(floor(fmin(a0, a1) - reach)), ahi = lrint(ceil(fmax(a0, a1) + reach));
    long blo_all = lrint(floor(fmin(b0, b1) - reach)), bhi_all = lrint(ceil(fmax(b0, b1) + reach));
    if (alo < 0) alo = 0;
    if (ahi > amax) ahi = amax;
    if (blo_all < 0) blo_all = 0;
    if (bhi_all > bmax) bhi_all = bmax;

    for (long a = alo; a <= ahi; a++) {
        long blo = blo_all, bhi = bhi_all;
        if (fabs(da) > 1e-9) {
            double bc = b0 + (a - a0) * db / da; /* the line's minor coordinate here */
            long lo = lrint(floor(bc - band)), hi = lrint(ceil(bc + band));
            if (lo > blo) blo = lo;
            if (hi < bhi) bhi = hi;
        }
        for (long b = blo; b <= bhi; b++) {
            double px = steep ? (double)b : (double)a, py = steep ? (double)a : (double)b;
            double t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            double ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
            double cov = r + 0.5 - sqrt(ex * ex + ey * ey);
            if (cov <= 0) continue;
            if (cov > 1) cov = 1;
            blend(c, (int)px, (int)py, col, cov);
        }
    }
}

/* --- Text --------------------------------------------------------------------------------- */

/* A 5x7 sans with two rows of descenders, in a 6 x 10 cell: one blank column to the right
 * separates letters, one blank row on top separates lines. At scale 2 (12 x 20 per letter) it
 * reads as tick labels on a 1280x720 slide, at 3-4 as titles. Drawn here, not taken from a font
 * file: each row is a picture, '#' is ink. Caps and digits sit on rows 0-6, x-height is rows
 * 2-6, descenders g j p q y and ',' ';' use rows 7-8. */
enum { GLYPH_W = 5, GLYPH_ROWS = 9, CELL_W = 6, CELL_H = 10, CELL_TOP = 1 };

/* clang-format off */
static const char font[95][GLYPH_ROWS][GLYPH_W + 1] = {
    {".....",".....",".....",".....",".....",".....",".....",".....","....."}, /* ' ' */
    {"..#..","..#..","..#..","..#..","..#..",".....","..#..",".....","....."}, /* '!' */
    {".#.#.",".#.#.",".....",".....",".....",".....",".....",".....","....."}, /* '"' */
    {".#.#.",".#.#.","#####",".#.#.","#####",".#.#.",".#.#.",".....","....."}, /* '#' */
    {"..#..",".####","#.#..",".###.","..#.#","####.","..#..",".....","....."}, /* '$' */
    {"##...","##..#","...#.","..#..",".#...","#..##","...##",".....","....."}, /* '%' */
    {".##..","#..#.","#.#..",".#...","#.#.#","#..#.",".##.#",".....","....."}, /* '&' */
    {"..#..","..#..",".#...",".....",".....",".....",".....",".....","....."}, /* '\'' */
    {"...#.","..#..",".#...",".#...",".#...","..#..","...#.",".....","....."}, /* '(' */
    {".#...","..#..","...#.","...#.","...#.","..#..",".#...",".....","....."}, /* ')' */
    {".....","..#..","#.#.#",".###.","#.#.#","..#..",".....",".....","....."}, /* star */
    {".....","..#..","..#..","#####","..#..","..#..",".....",".....","....."}, /* '+' */
    {".....",".....",".....",".....",".....",".##..",".##..","..#..",".#..."}, /* ',' */
    {".....",".....",".....","#####",".....",".....",".....",".....","....."}, /* '-' */
    {".....",".....",".....",".....",".....",".##..",".##..",".....","....."}, /* '.' */
    {"....#","...#.","...#.","..#..",".#...",".#...","#....",".....","....."}, /* slash */
    {".###.","#...#","#..##","#.#.#","##..#","#...#",".###.",".....","....."}, /* '0' */
    {"..#..",".##..","#.#..","..#..","..#..","..#..","#####",".....","....."}, /* '1' */
    {".###.","#...#","....#","...#.","..#..",".#...","#####",".....","....."}, /* '2' */
    {".###.","#...#","....#","..##.","....#","#...#",".###.",".....","....."}, /* '3' */
    {"...#.","..##.",".#.#.","#..#.","#####","...#.","...#.",".....","....."}, /* '4' */
    {"#####","#....","####.","....#","....#","#...#",".###.",".....","....."}, /* '5' */
    {"..##.",".#...","#....","####.","#...#","#...#",".###.",".....","....."}, /* '6' */
    {"#####","....#","...#.","..#..",".#...",".#...",".#...",".....","....."}, /* '7' */
    {".###.","#...#","#...#",".###.","#...#","#...#",".###.",".....","....."}, /* '8' */
    {".###.","#...#","#...#",".####","....#","...#.",".##..",".....","....."}, /* '9' */
    {".....",".##..",".##..",".....",".....",".##..",".##..",".....","....."}, /* ':' */
    {".....",".##..",".##..",".....",".....",".##..",".##..","..#..",".#..."}, /* ';' */
    {"...#.","..#..",".#...","#....",".#...","..#..","...#.",".....","....."}, /* '<' */
    {".....",".....","#####",".....","#####",".....",".....",".....","....."}, /* '=' */
    {".#...","..#..","...#.","....#","...#.","..#..",".#...",".....","....."}, /* '>' */
    {".###.","#...#","....#","...#.","..#..",".....","..#..",".....","....."}, /* '?' */
    {".###.","#...#","#.###","#.#.#","#.###","#....",".###.",".....","....."}, /* '@' */
    {".###.","#...#","#...#","#####","#...#","#...#","#...#",".....","....."}, /* 'A' */
    {"####.","#...#","#...#","####.","#...#","#...#","####.",".....","....."}, /* 'B' */
    {".###.","#...#","#....","#....","#....","#...#",".###.",".....","....."}, /* 'C' */
    {"####.","#...#","#...#","#...#","#...#","#...#","####.",".....","....."}, /* 'D' */
    {"#####","#....","#....","####.","#....","#....","#####",".....","....."}, /* 'E' */
    {"#####","#....","#....","####.","#....","#....","#....",".....","....."}, /* 'F' */
    {".###.","#...#","#....","#.###","#...#","#...#",".####",".....","....."}, /* 'G' */
    {"#...#","#...#","#...#","#####","#...#","#...#","#...#",".....","....."}, /* 'H' */
    {".###.","..#..","..#..","..#..","..#..","..#..",".###.",".....","....."}, /* 'I' */
    {"..###","...#.","...#.","...#.","...#.","#..#.",".##..",".....","....."}, /* 'J' */
    {"#...#","#..#.","#.#..","##...","#.#..","#..#.","#...#",".....","....."}, /* 'K' */
    {"#....","#....","#....","#....","#....","#....","#####",".....","....."}, /* 'L' */
    {"#...#","##.##","#.#.#","#.#.#","#...#","#...#","#...#",".....","....."}, /* 'M' */
    {"#...#","#...#","##..#","#.#.#","#..##","#...#","#...#",".....","....."}, /* 'N' */
    {".###.","#...#","#...#","#...#","#...#","#...#",".###.",".....","....."}, /* 'O' */
    {"####.","#...#","#...#","####.","#....","#....","#....",".....","....."}, /* 'P' */
    {".###.","#...#","#...#","#...#","#.#.#","#..#.",".##.#",".....","....."}, /* 'Q' */
    {"####.","#...#","#...#","####.","#.#..","#..#.","#...#",".....","....."}, /* 'R' */
    {".####","#....","#....",".###.","....#","....#","####.",".....","....."}, /* 'S' */
    {"#####","..#..","..#..","..#..","..#..","..#..","..#..",".....","....."}, /* 'T' */
    {"#...#","#...#","#...#","#...#","#...#","#...#",".###.",".....","....."}, /* 'U' */
    {"#...#","#...#","#...#","#...#","#...#",".#.#.","..#..",".....","....."}, /* 'V' */
    {"#...#","#...#","#...#","#.#.#","#.#.#","#.#.#",".#.#.",".....","....."}, /* 'W' */
    {"#...#","#...#",".#.#.","..#..",".#.#.","#...#","#...#",".....","....."}, /* 'X' */
    {"#...#","#...#",".#.#.","..#..","..#..","..#..","..#..",".....","....."}, /* 'Y' */
    {"#####","....#","...#.","..#..",".#...","#....","#####",".....","....."}, /* 'Z' */
    {".###.",".#...",".#...",".#...",".#...",".#...",".###.",".....","....."}, /* '[' */
    {"#....",".#...",".#...","..#..","...#.","...#.","....#",".....","....."}, /* backslash */
    {".###.","...#.","...#.","...#.","...#.","...#.",".###.",".....","....."}, /* ']' */
    {"..#..",".#.#.","#...#",".....",".....",".....",".....",".....","....."}, /* '^' */
    {".....",".....",".....",".....",".....",".....",".....","#####","....."}, /* '_' */
    {".#...","..#..",".....",".....",".....",".....",".....",".....","....."}, /* '`' */
    {".....",".....",".###.","....#",".####","#...#",".####",".....","....."}, /* 'a' */
    {"#....","#....","####.","#...#","#...#","#...#","####.",".....","....."}, /* 'b' */
    {".....",".....",".####","#....","#....","#....",".####",".....","....."}, /* 'c' */
    {"....#","....#",".####","#...#","#...#","#...#",".####",".....","....."}, /* 'd' */
    {".....",".....",".###.","#...#","#####","#....",".###.",".....","....."}, /* 'e' */
    {"..##.",".#...","####.",".#...",".#...",".#...",".#...",".....","....."}, /* 'f' */
    {".....",".....",".####","#...#","#...#","#...#",".####","....#",".###."}, /* 'g' */
    {"#....","#....","####.","#...#","#...#","#...#","#...#",".....","....."}, /* 'h' */
    {"..#..",".....",".##..","..#..","..#..","..#..",".###.",".....","....."}, /* 'i' */
    {"...#.",".....","..##.","...#.","...#.","...#.","...#.","#..#.",".##.."}, /* 'j' */
    {"#....","#....","#..#.","#.#..","##...","#.#..","#..#.",".....","....."}, /* 'k' */
    {".##..","..#..","..#..","..#..","..#..","..#..","...##",".....","....."}, /* 'l' */
    {".....",".....","##.#.","#.#.#","#.#.#","#.#.#","#.#.#",".....","....."}, /* 'm' */
    {".....",".....","####.","#...#","#...#","#...#","#...#",".....","....."}, /* 'n' */
    {".....",".....",".###.","#...#","#...#","#...#",".###.",".....","....."}, /* 'o' */
    {".....",".....","####.","#...#","#...#","#...#","####.","#....","#...."}, /* 'p' */
    {".....",".....",".####","#...#","#...#","#...#",".####","....#","....#"}, /* 'q' */
    {".....",".....","#.##.","##..#","#....","#....","#....",".....","....."}, /* 'r' */
    {".....",".....",".####","#....",".###.","....#","####.",".....","....."}, /* 's' */
    {".#...",".#...","####.",".#...",".#...",".#..#","..##.",".....","....."}, /* 't' */
    {".....",".....","#...#","#...#","#...#","#..##",".##.#",".....","....."}, /* 'u' */
    {".....",".....","#...#","#...#","#...#",".#.#.","..#..",".....","....."}, /* 'v' */
    {".....",".....","#...#","#...#","#.#.#","#.#.#",".#.#.",".....","....."}, /* 'w' */
    {".....",".....","#...#",".#.#.","..#..",".#.#.","#...#",".....","....."}, /* 'x' */
    {".....",".....","#...#","#...#","#...#","#...#",".####","....#",".###."}, /* 'y' */
    {".....",".....","#####","...#.","..#..",".#...","#####",".....","....."}, /* 'z' */
    {"...##","..#..","..#..",".#...","..#..","..#..","...##",".....","....."}, /* '{' */
    {"..#..","..#..","..#..","..#..","..#..","..#..","..#..","..#..","..#.."}, /* '|' */
    {"##...","..#..","..#..","...#.","..#..","..#..","##...",".....","....."}, /* '}' */
    {".....",".....",".#...","#.#.#","...#.",".....",".....",".....","....."}, /* '~' */
};
/* clang-format on */

static int clamp_scale(int scale)
{
    return scale < 1 ? 1 : scale > 8 ? 8 : scale;
}

/* The glyph for the character at *s, advancing s: printable ASCII is itself, anything else is
 * '?', and a UTF-8 sequence counts as one character (its continuation bytes are skipped) so
 * "µ" shows as one '?' rather than two. */
static int next_glyph(const unsigned char **s)
{
    unsigned char ch = *(*s)++;
    if (ch >= 0xC0)
        while (**s >= 0x80 && **s < 0xC0)
            (*s)++;
    return ch >= 32 && ch <= 126 ? ch - 32 : '?' - 32;
}

int plot_font_pixel(unsigned char ch, int x, int y)
{
    int g = ch >= 32 && ch <= 126 ? ch - 32 : '?' - 32, row = y - CELL_TOP;
    if (x < 0 || x >= GLYPH_W || row < 0 || row >= GLYPH_ROWS) return 0;
    return font[g][row][x] == '#';
}

static int glyph_count(const char *s)
{
    int n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        (void)next_glyph(&p);
        n++;
    }
    return n;
}

/* No trailing gap: the width is from the first ink column to the last cell's last column, so
 * right-aligned and centred labels sit where the caller asked. */
int plot_text_width(const char *s, int scale)
{
    if (!s) return 0;
    int n = glyph_count(s);
    return n ? (n * CELL_W - 1) * clamp_scale(scale) : 0;
}

int plot_text_height(int scale)
{
    return CELL_H * clamp_scale(scale);
}

/* Shared by both directions: font pixel (u, v) of the text box (u along the text, v down) goes
 * to (x + u, y + v) when flat, and to (x + v, y + len - 1 - u) when turned counter-clockwise,
 * where len is the text's length along u in font pixels. Runs of scale x scale blocks. */
static int draw_text(plot_canvas *c, int x, int y, const char *s, int scale, plot_rgb col,
                     int vertical)
{
    if (!s) return 0;
    scale = clamp_scale(scale);
    int width = plot_text_width(s, scale);
    if (!c) return width;
    long long len = width / scale;
    const unsigned char *p = (const unsigned char *)s;
    for (long long cell = 0; *p; cell++) {
        int g = next_glyph(&p);
        for (int row = 0; row < GLYPH_ROWS; row++) {
            for (int col_ = 0; col_ < GLYPH_W; col_++) {
                if (font[g][row][col_] != '#') continue;
                long long u = cell * CELL_W + col_, v = CELL_TOP + row;
                long long fx = vertical ? v : u, fy = vertical ? len - 1 - u : v;
                long long bx = x + fx * scale, by = y + fy * scale;
                fill_span(c, bx, by, bx + scale, by + scale, col);
            }
        }
    }
    return width;
}

int plot_text(plot_canvas *c, int x, int y, const char *s, int scale, plot_rgb col)
{
    return draw_text(c, x, y, s, scale, col, 0);
}

/* Returns the length drawn, which here runs down the canvas (plot_text_width). */
int plot_text_vertical(plot_canvas *c, int x, int y, const char *s, int scale, plot_rgb col)
{
    return draw_text(c, x, y, s, scale, col, 1);
}

/* --- PNG ---------------------------------------------------------------------------------- */

/* What the libpng callbacks found, since they can only report by longjmp. */
typedef struct png_sink {
    FILE *f;
    int errnum;      /* errno of a failed write or flush, 0 if libpng itself failed */
    char msg[128];   /* libpng's own message */
} png_sink;

/* Our own error and warning handlers: libpng's defaults print to stderr, and a library that
 * draws charts must not write on the terminal the TUI owns. */
static void png_on_error(png_structp png, png_const_charp msg)
{
    png_sink *k = png_get_error_ptr(png);
    if (k && !k->msg[0]) snprintf(k->msg, sizeof k->msg, "%s", msg ? msg : "libpng error");
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
}

/* Our own writer so that errno (ENOSPC, EFBIG) survives to the message. */
static void png_on_write(png_structp png, png_bytep data, size_t n)
{
    png_sink *k = png_get_io_ptr(png);
    errno = 0;
    if (fwrite(data, 1, n, k->f) != n) {
        k->errnum = errno ? errno : EIO;
        png_error(png, "write failed");
    }
}

static void png_on_flush(png_structp png)
{
}

/* Encodes the whole canvas into sink->f. 0, or -1 with sink->errnum / sink->msg set. Kept apart
 * from the file handling so that only this frame's locals live across setjmp. */
static int png_encode(const plot_canvas *c, png_sink *sink)
{
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, sink, png_on_error, png_on_warning);
    if (!png) {
        snprintf(sink->msg, sizeof sink->msg, "out of memory");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        snprintf(sink->msg, sizeof sink->msg, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        if (!sink->errnum && !sink->msg[0]) snprintf(sink->msg, sizeof sink->msg, "libpng error");
        return -1;
    }
    png_set_write_fn(png, sink, png_on_write, png_on_flush);
    png_set_IHDR(png, info, (png_uint_32)c->w, (png_uint_32)c->h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < c->h; y++)
        png_write_row(png, c->px + 3 * (size_t)y * (size_t)c->w);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 0;
}

static void set_err(char *err, size_t errlen, const char *path, const char *what, const char *why)
{
    if (err && errlen) snprintf(err, errlen, "%s: %s: %s", path, what, why);
}

int plot_png_write(const plot_canvas *c, const char *path, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (!path || !*path) {
        set_err(err, errlen, "(no path)", "cannot create", "empty file name");
        return -1;
    }
    if (!c) {
        set_err(err, errlen, path, "cannot write", "no canvas");
        return -1;
    }
    size_t tmplen = strlen(path) + 32;
    char *tmp = malloc(tmplen);
    if (!tmp) {
        set_err(err, errlen, path, "cannot create", strerror(ENOMEM));
        return -1;
    }
    snprintf(tmp, tmplen, "%s.tmp.%ld", path, (long)getpid());

    png_sink sink = {0};
    sink.f = fopen(tmp, "wb");
    if (!sink.f) {
        set_err(err, errlen, path, "cannot create", strerror(errno));
        free(tmp);
        return -1;
    }

    if (png_encode(c, &sink) != 0 && !sink.errnum) {
        /* libpng's own refusal, no errno: its message is the cause */
        fclose(sink.f);
        remove(tmp);
        free(tmp);
        set_err(err, errlen, path, "write failed", sink.msg);
        return -1;
    }
    const char *op;
    int e = train_atomic_finish(sink.f, tmp, path, sink.errnum, &op);
    if (e) set_err(err, errlen, path, op, strerror(e));
    free(tmp);
    return e ? -1 : 0;
}

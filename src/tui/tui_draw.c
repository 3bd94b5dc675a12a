/* tui_draw: bars, images and line charts rendered into an in-memory grid of cells (see the header
 * for the pictures themselves). Everything funnels through one clipped cell writer, so no draw
 * function can write outside the grid whatever box it is given. The chart streams over its data
 * (one pass for the auto range, one to draw) and keeps no per-point state, so 100k points cost
 * well under a millisecond and nothing is allocated while drawing. */
#include "tui/tui_draw.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tui_grid {
    int w, h;
    tui_cell *cells; /* (h, w) row-major */
};

/* ---- UTF-8 ----------------------------------------------------------------------------------- */

/* cp into out (NUL-terminated); cp must already be a valid scalar value */
static void utf8_encode(uint32_t cp, char out[5])
{
    if (cp < 0x80) {
        out[0] = (char)cp, out[1] = 0;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3F)), out[2] = 0;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12), out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F)), out[3] = 0;
    } else {
        out[0] = (char)(0xF0 | cp >> 18), out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        out[2] = (char)(0x80 | (cp >> 6 & 0x3F)), out[3] = (char)(0x80 | (cp & 0x3F));
        out[4] = 0;
    }
}

/* The next code point of *s, advancing *s; malformed input (bad lead or continuation bytes,
 * overlong forms, surrogates, beyond U+10FFFF) yields U+FFFD and skips one byte, so the decoder
 * always makes progress and never reads past the NUL. */
static uint32_t utf8_decode(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    uint32_t c = p[0];
    int len = c < 0x80                ? 1
              : c >= 0xC2 && c < 0xE0 ? 2
              : c >= 0xE0 && c < 0xF0 ? 3
              : c >= 0xF0 && c < 0xF5 ? 4
                                      : 0;
    if (len == 1) {
        *s += 1;
        return c;
    }
    if (len == 0) goto bad;
    c &= 0x3F >> (len - 1);
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) goto bad; /* also stops at the NUL */
        c = c << 6 | (p[i] & 0x3F);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c < 0xE000))
        goto bad;
    *s += len;
    return c;
bad:
    *s += 1;
    return 0xFFFD;
}

int tui_text_width(const char *s)
{
    int n = 0;
    if (!s) return 0;
    while (*s) {
        utf8_decode(&s);
        n++;
    }
    return n;
}

/* ---- the grid -------------------------------------------------------------------------------- */

static const tui_cell blank_cell = {' ', 0, " "};

tui_grid *tui_grid_new(int w, int h)
{
    if (w < 1 || h < 1 || w > TUI_MAX_DIM || h > TUI_MAX_DIM) return NULL;
    tui_grid *g = malloc(sizeof *g);
    if (!g) return NULL;
    g->cells = malloc((size_t)w * (size_t)h * sizeof *g->cells);
    if (!g->cells) {
        free(g);
        return NULL;
    }
    g->w = w, g->h = h;
    tui_grid_clear(g);
    return g;
}

void tui_grid_free(tui_grid *g)
{
    if (!g) return;
    free(g->cells);
    free(g);
}

int tui_grid_width(const tui_grid *g)
{
    return g->w;
}

int tui_grid_height(const tui_grid *g)
{
    return g->h;
}

void tui_grid_clear(tui_grid *g)
{
    size_t n = (size_t)g->w * (size_t)g->h;
    for (size_t i = 0; i < n; i++)
        g->cells[i] = blank_cell;
}

/* the only writer of cells: every picture is clipped here */
void tui_grid_put(tui_grid *g, int x, int y, uint32_t cp, int style)
{
    if (x < 0 || y < 0 || x >= g->w || y >= g->h) return;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) cp = '?';
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) cp = 0xFFFD;
    tui_cell *c = &g->cells[(size_t)y * g->w + x];
    c->cp = cp;
    c->style = (uint8_t)style;
    utf8_encode(cp, c->utf8);
}

/* true when the box is small enough and near enough that x + w, y + h and friends cannot
 * overflow; the draw functions refuse anything else */
static int box_sane(int x, int y, int w, int h)
{
    return w >= 0 && h >= 0 && w <= TUI_MAX_DIM && h <= TUI_MAX_DIM && x >= -TUI_MAX_DIM &&
           x <= TUI_MAX_DIM && y >= -TUI_MAX_DIM && y <= TUI_MAX_DIM;
}

void tui_grid_fill(tui_grid *g, int x, int y, int w, int h, uint32_t cp, int style)
{
    if (!box_sane(x, y, w, h)) return;
    int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    int x1 = x + w > g->w ? g->w : x + w, y1 = y + h > g->h ? g->h : y + h;
    for (int j = y0; j < y1; j++)
        for (int i = x0; i < x1; i++)
            tui_grid_put(g, i, j, cp, style);
}

int tui_grid_text(tui_grid *g, int x, int y, int style, const char *s, int maxw)
{
    int n = 0;
    if (!s) return 0;
    while (*s && (maxw < 0 || n < maxw)) {
        uint32_t cp = utf8_decode(&s);
        /* in long long so that a long string at a large x cannot overflow */
        long long cx = (long long)x + n;
        if (cx >= 0 && cx < g->w) tui_grid_put(g, (int)cx, y, cp, style);
        n++;
    }
    return n;
}

const tui_cell *tui_grid_cell(const tui_grid *g, int x, int y)
{
    if (x < 0 || y < 0 || x >= g->w || y >= g->h) return NULL;
    return &g->cells[(size_t)y * g->w + x];
}

const char *tui_grid_get(const tui_grid *g, int x, int y)
{
    const tui_cell *c = tui_grid_cell(g, x, y);
    return c ? c->utf8 : "";
}

int tui_grid_row(const tui_grid *g, int y, char *buf, size_t len)
{
    if (y < 0 || y >= g->h) {
        if (buf && len) buf[0] = 0;
        return -1;
    }
    size_t need = 0, pos = 0;
    int full = 0;
    for (int x = 0; x < g->w; x++) {
        const char *u = g->cells[(size_t)y * g->w + x].utf8;
        size_t k = strlen(u);
        if (!full && buf && pos + k < len) {
            memcpy(buf + pos, u, k);
            pos += k;
        } else {
            full = 1; /* cut at a character boundary, never mid-sequence */
        }
        need += k;
    }
    if (buf && len) buf[pos] = 0;
    return (int)need;
}

/* ---- numbers --------------------------------------------------------------------------------- */

const char *tui_prob_format(float p, char *buf, size_t len)
{
    if (!buf || !len) return buf;
    if (isnan(p)) {
        snprintf(buf, len, "nan");
        return buf;
    }
    if (p < 0) p = 0;
    int c = (int)lround((double)(p > 1 ? 1 : p) * 100);
    if (c >= 100)
        snprintf(buf, len, "1.00");
    else
        snprintf(buf, len, ".%02d", c);
    return buf;
}

/* "1.50e-05" -> "1.5e-5": printf's exponent is wider than a chart can afford */
static void compact_exp(char *buf)
{
    char *e = strchr(buf, 'e');
    if (!e) return;
    /* trailing zeros of the mantissa, and its point if nothing is left after it */
    char *m = e;
    if (memchr(buf, '.', (size_t)(e - buf))) {
        while (m[-1] == '0')
            m--;
        if (m[-1] == '.') m--;
    }
    char *p = e + 1;
    char sign = 0;
    if (*p == '+' || *p == '-') sign = *p++;
    while (*p == '0' && p[1])
        p++;
    char tail[8];
    snprintf(tail, sizeof tail, "e%s%s", sign == '-' ? "-" : "", p);
    memmove(m, tail, strlen(tail) + 1);
}

const char *tui_num_format(double v, char *buf, size_t len)
{
    if (!buf || !len) return buf;
    double a = fabs(v);
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else if (a == 0)
        snprintf(buf, len, "0");
    else if (a >= 100 && a < 1e6)
        snprintf(buf, len, "%.0f", v);
    else if (a >= 1e-3 && a < 100)
        snprintf(buf, len, "%.3g", v);
    else {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%.2e", v);
        compact_exp(tmp);
        snprintf(buf, len, "%s", tmp);
    }
    return buf;
}

/* floor(log10(v)) for v > 0, exact at powers of ten despite rounding in log10 */
static int ilog10(double v)
{
    int e = (int)floor(log10(v));
    if (pow(10, e + 1) <= v * (1 + 1e-12)) e++;
    if (pow(10, e) > v * (1 + 1e-12)) e--;
    return e;
}

int tui_ticks(double lo, double hi, int maxticks, tui_tick *out)
{
    if (!isfinite(lo) || !isfinite(hi)) return 0;
    if (lo > hi) {
        double t = lo;
        lo = hi, hi = t;
    }
    if (maxticks < 2) maxticks = 2;
    if (maxticks > 8) maxticks = 8;
    double span = hi - lo;
    /* flat within double precision (or overflowing): label the value alone */
    if (!(span > fmax(fabs(lo), fabs(hi)) * 1e-9) || !isfinite(span)) {
        out[0].v = lo;
        tui_num_format(lo, out[0].label, sizeof out[0].label);
        return 1;
    }
    /* candidate steps m * 10^e, m in {1, 2, 5}, from span/1000 or so upward (so |lo/step|
     * stays below 1e12 and converts exactly); the first with at
     * most max ticks wins, unless it leaves fewer than two (possible for max < 4), in which
     * case the limit is relaxed one at a time: up to 4 ticks two are always reached */
    static const int mant[3] = {1, 2, 5};
    int e0 = ilog10(span) - 2;
    double step = 0;
    long long k0 = 0, k1 = -1;
    int sm = 1, se = 0;
    for (int limit = maxticks; limit <= 8 && k1 - k0 + 1 < 2; limit++) {
        for (int i = 0; i < 30; i++) {
            int m = mant[i % 3], e = e0 + i / 3;
            double s = m * pow(10, e);
            /* a tick within a millionth of a step of an end counts as inside it */
            double a = ceil(lo / s - 1e-6), b = floor(hi / s + 1e-6);
            if (b - a + 1 <= limit) {
                step = s, k0 = (long long)a, k1 = (long long)b, sm = m, se = e;
                break;
            }
        }
    }
    int n = (int)(k1 - k0 + 1);
    if (n < 1 || step == 0) return 0;
    if (n > 8) n = 8;
    /* fixed decimals, the same for all labels so they line up, while they stay short;
     * otherwise each label as mantissa and exponent with the digits the step needs ("5e-5",
     * "1e-4", "1.5e-4") */
    double amax = fmax(fabs((double)k0 * step), fabs((double)(k0 + n - 1) * step));
    int dec = se < 0 ? -se : 0;
    int expo = dec > 3 || amax >= 1e6;
    for (int i = 0; i < n; i++) {
        long long k = k0 + i;
        /* k*m*10^e rounded once, so that 3 steps of 0.1 read 0.3 */
        double v = se >= 0 ? (double)k * sm * pow(10, se) : (double)k * sm / pow(10, -se);
        out[i].v = v;
        if (!expo) { /* 0.0 rather than -0.0 */
            snprintf(out[i].label, TUI_TICK_LABEL, "%.*f", dec, k == 0 ? 0.0 : v);
        } else if (k == 0) {
            snprintf(out[i].label, TUI_TICK_LABEL, "0");
        } else {
            int md = ilog10(fabs(v)) - se;
            md = md < 0 ? 0 : md > 4 ? 4 : md;
            char tmp[TUI_TICK_LABEL + 8]; /* "-9.9999e-300" fits */
            snprintf(tmp, sizeof tmp, "%.*e", md, v);
            compact_exp(tmp);
            memcpy(out[i].label, tmp, TUI_TICK_LABEL - 1);
            out[i].label[TUI_TICK_LABEL - 1] = 0;
        }
    }
    return n;
}

/* ---- bars ------------------------------------------------------------------------------------ */

void tui_bar_draw(tui_grid *g, int x, int y, int w, float value, int style, tui_charset mode)
{
    if (!box_sane(x, y, w, 1)) return;
    double v = isnan(value) ? 0 : value < 0 ? 0 : value > 1 ? 1 : value;
    int per = mode == TUI_ASCII ? 2 : 8; /* steps a cell */
    long long units = llround(v * w * per);
    for (int i = 0; i < w; i++) {
        long long u = units - (long long)i * per; /* units that land in cell i */
        if (u >= per)
            tui_grid_put(g, x + i, y, mode == TUI_ASCII ? '#' : 0x2588, style);
        else if (u > 0) /* eighths: U+258F is 1/8 ... U+2589 is 7/8 */
            tui_grid_put(g, x + i, y, mode == TUI_ASCII ? '=' : 0x2590 - (uint32_t)u, style);
        else
            tui_grid_put(g, x + i, y, ' ', 0);
    }
}

/* ---- images ---------------------------------------------------------------------------------- */

/* output size in pixels (a cell is 1 x 2 pixels) */
static void image_pixels(int rows, int cols, int w, int h, int *ow, int *oh)
{
    *ow = *oh = 0;
    if (rows < 1 || cols < 1 || w < 1 || h < 1) return;
    long long W = w, H = 2LL * h, R = rows, C = cols;
    long long k = W / C < H / R ? W / C : H / R;
    if (k >= 1) {
        *ow = (int)(k * C), *oh = (int)(k * R);
    } else if (C * H >= R * W) { /* too wide: width decides */
        *ow = (int)W, *oh = (int)(R * W / C);
    } else {
        *oh = (int)H, *ow = (int)(C * H / R);
    }
    if (*ow < 1) *ow = 1;
    if (*oh < 1) *oh = 1;
}

void tui_image_size(int rows, int cols, int w, int h, int *cw, int *ch)
{
    int ow, oh;
    image_pixels(rows, cols, w, h, &ow, &oh);
    *cw = ow, *ch = (oh + 1) / 2;
}

/* the mean of the source pixels under output pixel (ox, oy): a box filter when shrinking,
 * the nearest pixel when growing (the box is then one pixel) */
static int image_sample(const uint8_t *px, int rows, int cols, int ow, int oh, int ox, int oy)
{
    if (oy >= oh) return 0; /* the missing half of an odd last row is black */
    int x0 = (int)((long long)ox * cols / ow), x1 = (int)((long long)(ox + 1) * cols / ow);
    int y0 = (int)((long long)oy * rows / oh), y1 = (int)((long long)(oy + 1) * rows / oh);
    if (x1 <= x0) x1 = x0 + 1;
    if (y1 <= y0) y1 = y0 + 1;
    uint64_t sum = 0;
    for (int j = y0; j < y1; j++)
        for (int i = x0; i < x1; i++)
            sum += px[(size_t)j * cols + i];
    uint64_t n = (uint64_t)(x1 - x0) * (uint64_t)(y1 - y0);
    return (int)((sum + n / 2) / n);
}

static uint32_t image_cell(int a, int b, tui_charset mode)
{
    static const char ramp[] = " .:-=+*#%@";
    static const uint32_t shade[5] = {' ', 0x2591, 0x2592, 0x2593, 0x2588};
    int m = (a + b + 1) / 2;
    if (mode == TUI_ASCII) return (uint32_t)ramp[m * 10 / 256];
    if (a - b >= 128) return 0x2580; /* ▀ upper half */
    if (b - a >= 128) return 0x2584; /* ▄ lower half */
    return shade[m * 5 / 256];
}

void tui_image_draw(tui_grid *g, int x, int y, int w, int h, const uint8_t *pixels, int rows,
                    int cols, int style, tui_charset mode)
{
    if (!box_sane(x, y, w, h)) return;
    tui_grid_fill(g, x, y, w, h, ' ', 0);
    if (!pixels) return;
    int ow, oh;
    image_pixels(rows, cols, w, h, &ow, &oh);
    int cw = ow, ch = (oh + 1) / 2;
    int ox = x + (w - cw) / 2, oy = y + (h - ch) / 2;
    for (int j = 0; j < ch; j++) {
        if (oy + j < 0 || oy + j >= g->h) continue; /* skip work the clip would discard */
        for (int i = 0; i < cw; i++) {
            if (ox + i < 0 || ox + i >= g->w) continue;
            int a = image_sample(pixels, rows, cols, ow, oh, i, 2 * j);
            int b = image_sample(pixels, rows, cols, ow, oh, i, 2 * j + 1);
            tui_grid_put(g, ox + i, oy + j, image_cell(a, b, mode), style);
        }
    }
}

/* ---- line charts ----------------------------------------------------------------------------- */

static double clamp_smooth(float f)
{
    return !(f > 0) ? 0 : f > 0.999f ? 0.999 : f; /* NaN means none */
}

void tui_smooth_ema(const float *ys, int n, float factor, float *out)
{
    double beta = clamp_smooth(factor), s = 0;
    int have = 0;
    for (int i = 0; i < n; i++) {
        float y = ys[i];
        if (!isfinite(y)) {
            out[i] = NAN;
            continue;
        }
        s = have ? beta * s + (1 - beta) * y : y;
        have = 1;
        out[i] = (float)s;
    }
}

/* The plot's geometry: dots are braille dots (2x4 a cell), eighths of a cell (1x8, block) or
 * cells (ASCII); data maps linearly onto dot columns 0..dw-1 and dot rows 0..dh-1 (0 on top). */
typedef struct chart_geom {
    int px, py, pw, ph; /* plot area in cells */
    int sx, sy;         /* dots a cell */
    int dw, dh;
    double x0, x1, lo, hi;
} chart_geom;

/* Streams one series as (dot column, mean of the smoothed values in it), left to right; the
 * smoothing runs over every finite point, inside the x window or not. */
typedef struct col_iter {
    const float *ys, *xs;
    int n, i;
    double beta, ema, last;
    int have;
    double x0, xscale; /* dot column = (x - x0) * xscale */
    int dw;
    int cur, cnt; /* the column being gathered */
    double sum;
} col_iter;

static void col_start(col_iter *it, const tui_series *s, double beta, const chart_geom *gm)
{
    memset(it, 0, sizeof *it);
    it->ys = s->ys, it->xs = s->xs, it->n = s->ys && s->n > 0 ? s->n : 0;
    it->beta = beta;
    it->x0 = gm->x0, it->xscale = (gm->dw - 1) / (gm->x1 - gm->x0), it->dw = gm->dw;
    it->last = NAN;
}

/* the first index past i whose dot column u = (index - x0) * xscale reaches edge, at most n */
static int run_end(double x0, double xscale, double edge, int i, int n)
{
    double e = ceil(x0 + edge / xscale);
    if (!(e > i)) return i + 1; /* rounding (or NaN): at least one point, so the loop advances */
    return e < n ? (int)e : n;
}

static int col_next(col_iter *it, int *col, double *mean)
{
    /* The state lives in locals while looping: kept in *it, every point would wait on a store
     * and a reload of the average (this loop is the whole cost of a chart of 100k points). */
    const float *ys = it->ys, *xs = it->xs;
    int n = it->n, i = it->i, have = it->have, cur = it->cur, cnt = it->cnt, ret = 0;
    double beta = it->beta, keep = 1 - it->beta, ema = it->ema, sum = it->sum;
    double x0 = it->x0, xscale = it->xscale, right = it->dw - 0.5;
    if (!xs) {
        /* x is the index: consecutive indices share a column, so go a run at a time and leave
         * the inner loop nothing but the average and the sum */
        while (i < n) {
            double u = (i - x0) * xscale;
            int inside = u >= -0.5 && u < right, c = inside ? (int)(u + 0.5) : cur;
            int e = inside     ? run_end(x0, xscale, c + 0.5, i, n)
                    : u < -0.5 ? run_end(x0, xscale, -0.5, i, n) /* up to the window */
                               : n;                              /* past it: for the last value */
            int emit = inside && cnt && c != cur;
            if (emit) {
                *col = cur, *mean = sum / cnt;
                sum = 0, cnt = 0, ret = 1;
            }
            if (inside) cur = c;
            double rs = 0;
            int rn = 0;
            if (beta > 0) {
                for (; i < e; i++) {
                    double y = ys[i];
                    if (!isfinite(y)) continue;
                    ema = have ? beta * ema + keep * y : y;
                    have = 1;
                    rs += ema, rn++;
                }
            } else {
                for (; i < e; i++) {
                    double y = ys[i];
                    if (!isfinite(y)) continue;
                    ema = y;
                    rs += y, rn++;
                }
                have |= rn > 0;
            }
            if (inside) sum += rs, cnt += rn;
            if (ret) break;
        }
    } else {
        while (i < n) {
            double y = ys[i], x = xs[i];
            i++;
            if (!isfinite(y) || !isfinite(x)) continue;
            ema = have && beta > 0 ? beta * ema + keep * y : y;
            have = 1;
            double u = (x - x0) * xscale;
            if (!(u >= -0.5 && u < right)) continue; /* outside the x window */
            int c = (int)(u + 0.5);                  /* u >= -0.5: truncation is floor, no libm */
            if (cnt && c != cur) {
                *col = cur, *mean = sum / cnt;
                cur = c, sum = ema, cnt = 1;
                ret = 1;
                break;
            }
            cur = c, sum += ema, cnt++;
        }
    }
    if (!ret && cnt) { /* the end: the last column */
        *col = cur, *mean = sum / cnt;
        cnt = 0;
        ret = 1;
    }
    it->i = i, it->have = have, it->cur = cur, it->cnt = cnt, it->ema = ema, it->sum = sum;
    it->last = have ? ema : NAN;
    return ret;
}

static int dot_row(const chart_geom *gm, double v)
{
    double r = (gm->hi - v) / (gm->hi - gm->lo) * (gm->dh - 1);
    if (!(r >= 0)) r = 0; /* also NaN */
    if (r > gm->dh - 1) r = gm->dh - 1;
    return (int)(r + 0.5);
}

/* braille dot bits by (row, column) within a cell: dots 1-3 and 7 on the left, 4-6 and 8 on the
 * right (U+2800 + bits) */
static const uint8_t braille_bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

static void braille_dot(tui_grid *g, const chart_geom *gm, int dx, int dy, int style)
{
    int cx = gm->px + dx / 2, cy = gm->py + dy / 4;
    const tui_cell *c = tui_grid_cell(g, cx, cy);
    if (!c) return;
    uint32_t cp = c->cp >= 0x2800 && c->cp <= 0x28FF ? c->cp : 0x2800;
    tui_grid_put(g, cx, cy, cp | braille_bit[dy % 4][dx % 2], style);
}

static const char ascii_marker[4] = {'*', '+', 'o', 'x'};

/* Bresenham from (c0, r0) to (c1, r1) in dots; braille dots or ASCII markers */
static void chart_line(tui_grid *g, const chart_geom *gm, int c0, int r0, int c1, int r1, int style,
                       uint32_t marker)
{
    int dx = abs(c1 - c0), dy = -abs(r1 - r0);
    int sx = c0 < c1 ? 1 : -1, sy = r0 < r1 ? 1 : -1, err = dx + dy;
    for (;;) {
        if (marker)
            tui_grid_put(g, gm->px + c0, gm->py + r0, marker, style);
        else
            braille_dot(g, gm, c0, r0, style);
        if (c0 == c1 && r0 == r1) break;
        int e2 = 2 * err;
        if (e2 >= dy) err += dy, c0 += sx;
        if (e2 <= dx) err += dx, r0 += sy;
    }
}

/* block mode: one lower eighth block per cell column at the interpolated height, and '│' in
 * the blank cells between columns whose rows differ by more than one, the first half of the gap
 * in the left column and the rest in the right, as a line would cross it */
static void block_point(tui_grid *g, const chart_geom *gm, int c, int r, int style)
{
    tui_grid_put(g, gm->px + c, gm->py + r / 8, 0x2581 + (uint32_t)(7 - r % 8), style);
}

static void block_bridge(tui_grid *g, const chart_geom *gm, int c, int cell, int style)
{
    const tui_cell *k = tui_grid_cell(g, gm->px + c, gm->py + cell);
    if (k && k->cp == ' ') tui_grid_put(g, gm->px + c, gm->py + cell, 0x2502, style);
}

static void block_line(tui_grid *g, const chart_geom *gm, int c0, int r0, int c1, int r1, int style)
{
    int pc = c0, prow = r0 / 8;
    for (int c = c0 + 1; c <= c1; c++) {
        int r = (int)(r0 + (double)(r1 - r0) * (c - c0) / (c1 - c0) + 0.5);
        int row = r / 8;
        int lo = prow < row ? prow : row, hi = prow < row ? row : prow;
        int mid = (lo + hi) / 2; /* cells lo+1..mid go left, mid+1..hi-1 right */
        for (int k = lo + 1; k < hi; k++) {
            int left = prow < row ? k <= mid : k > mid; /* the left column owns the half near it */
            block_bridge(g, gm, left ? pc : c, k, style);
        }
        block_point(g, gm, c, r, style);
        pc = c, prow = row;
    }
}

/* the extent of the plotted (smoothed, column-averaged) values of all series */
static int chart_extent(const tui_series *series, int ns, double beta, const chart_geom *gm,
                        double *mn, double *mx)
{
    int any = 0;
    *mn = INFINITY, *mx = -INFINITY;
    for (int s = 0; s < ns; s++) {
        col_iter it;
        col_start(&it, &series[s], beta, gm);
        int c;
        double v;
        while (col_next(&it, &c, &v)) {
            if (v < *mn) *mn = v;
            if (v > *mx) *mx = v;
            any = 1;
        }
    }
    return any;
}

/* the x window from the data: the first and last points with finite x and y */
static void chart_xrange(const tui_series *series, int ns, double *x0, double *x1)
{
    *x0 = INFINITY, *x1 = -INFINITY;
    for (int s = 0; s < ns; s++) {
        const tui_series *se = &series[s];
        if (!se->ys || se->n <= 0) continue;
        if (!se->xs) { /* indices ascend: look in from both ends */
            int a = 0, b = se->n - 1;
            while (a <= b && !isfinite(se->ys[a]))
                a++;
            while (b >= a && !isfinite(se->ys[b]))
                b--;
            if (a > b) continue;
            if (a < *x0) *x0 = a;
            if (b > *x1) *x1 = b;
            continue;
        }
        for (int i = 0; i < se->n; i++) {
            if (!isfinite(se->ys[i]) || !isfinite(se->xs[i])) continue;
            if (se->xs[i] < *x0) *x0 = se->xs[i];
            if (se->xs[i] > *x1) *x1 = se->xs[i];
        }
    }
}

/* text on the legend row from *lx, cut at end, then gap blank columns */
static void legend_text(tui_grid *g, int *lx, int end, int y, int style, const char *s, int gap)
{
    if (!*s || *lx >= end) return;
    *lx += tui_grid_text(g, *lx, y, style, s, end - *lx) + gap;
}

int tui_chart_draw(tui_grid *g, int x, int y, int w, int h, const tui_series *series, int nseries,
                   const tui_chart_opts *o)
{
    static const tui_chart_opts defaults = {0};
    if (!o) o = &defaults;
    if (!box_sane(x, y, w, h)) return -1;
    if (!series || nseries < 0) nseries = 0;
    tui_grid_fill(g, x, y, w, h, ' ', 0);

    /* an unknown mode gets the safest characters */
    tui_charset mode =
        o->mode == TUI_UTF8_BRAILLE || o->mode == TUI_UTF8_BLOCK ? o->mode : TUI_ASCII;
    int ascii = mode == TUI_ASCII;
    int top = o->no_legend ? 0 : 1;
    chart_geom gm = {0};
    gm.sx = mode == TUI_UTF8_BRAILLE ? 2 : 1;
    gm.sy = mode == TUI_UTF8_BRAILLE ? 4 : mode == TUI_UTF8_BLOCK ? 8 : 1;
    gm.py = y + top;
    gm.ph = h - top - 2;
    if (gm.ph < 2 || w < 4) return -1;
    gm.dh = gm.ph * gm.sy;
    double beta = clamp_smooth(o->smooth);

    /* x window */
    int one_x = 0;
    if (o->fixed_x && isfinite(o->xmin) && isfinite(o->xmax) && o->xmin != o->xmax) {
        gm.x0 = fmin(o->xmin, o->xmax), gm.x1 = fmax(o->xmin, o->xmax);
    } else {
        chart_xrange(series, nseries, &gm.x0, &gm.x1);
        if (!(gm.x0 <= gm.x1)) gm.x0 = 0, gm.x1 = 1, one_x = 1; /* no data */
        if (gm.x0 == gm.x1) gm.x1 = gm.x0 + 1, one_x = 1;       /* one x: at the left edge */
    }

    /* y range: fixed, or the extent of the plotted values padded by 5%. That extent depends a
     * little on the plot's width (through the column means), the width on the tick labels and
     * the labels on the range: it is measured once, with a guess of 3 columns for the labels
     * (one pass over the data instead of a loop); the padding absorbs the small difference when
     * the guess is off, and anything beyond is drawn at the edge. */
    gm.pw = w - 4 < 2 ? 2 : w - 4;
    gm.dw = gm.pw * gm.sx;
    if (o->fixed_y && isfinite(o->ymin) && isfinite(o->ymax) && o->ymin != o->ymax) {
        gm.lo = fmin(o->ymin, o->ymax), gm.hi = fmax(o->ymin, o->ymax);
    } else {
        double mn, mx;
        if (!chart_extent(series, nseries, beta, &gm, &mn, &mx)) mn = 0, mx = 1;
        double span = mx - mn;
        if (span > 0) {
            gm.lo = mn - 0.05 * span, gm.hi = mx + 0.05 * span;
        } else { /* a flat line sits mid-plot */
            span = mn != 0 ? fabs(mn) * 0.2 : 1;
            gm.lo = mn - span / 2, gm.hi = mx + span / 2;
        }
        if (mn >= 0 && gm.lo < 0) gm.lo = 0; /* losses and accuracies: no negative axis */
    }
    int maxt = (gm.ph + 1) / 2; /* a tick every other row at most */
    maxt = maxt < 2 ? 2 : maxt > 4 ? 4 : maxt;
    tui_tick ticks[8];
    int nt = tui_ticks(gm.lo, gm.hi, maxt, ticks), lw = 1;
    for (int i = 0; i < nt; i++) {
        int k = (int)strlen(ticks[i].label);
        if (k > lw) lw = k;
    }
    gm.px = x + lw + 1;
    gm.pw = w - lw - 1;
    if (gm.pw < 2) return -1;
    gm.dw = gm.pw * gm.sx;

    /* y axis with tick labels; two ticks rounding to one row keep the first */
    int ax = gm.px - 1, axs = o->axis_style;
    for (int r = 0; r < gm.ph; r++)
        tui_grid_put(g, ax, gm.py + r, ascii ? '|' : 0x2502, axs);
    int last_row = -1;
    for (int i = 0; i < nt; i++) {
        int row = dot_row(&gm, ticks[i].v) / gm.sy;
        if (row == last_row) continue;
        last_row = row;
        tui_grid_text(g, ax - (int)strlen(ticks[i].label), gm.py + row, axs, ticks[i].label, lw);
        tui_grid_put(g, ax, gm.py + row, ascii ? '+' : 0x2524, axs);
    }

    /* x axis and its end labels */
    int xr = gm.py + gm.ph;
    tui_grid_put(g, ax, xr, ascii ? '+' : 0x2514, axs);
    for (int i = 0; i < gm.pw; i++)
        tui_grid_put(g, gm.px + i, xr, ascii ? '-' : 0x2500, axs);
    char a[16], b[16];
    tui_num_format(gm.x0, a, sizeof a);
    tui_num_format(gm.x1, b, sizeof b);
    int wa = tui_grid_text(g, gm.px, xr + 1, axs, a, gm.pw);
    int wb = (int)strlen(b);
    if (!one_x && gm.pw - wa - 1 >= wb) tui_grid_text(g, x + w - wb, xr + 1, axs, b, wb);

    /* the series, each followed by its legend entry ("[marker ]label value", the value being
     * the last one plotted, which the drawing pass has just found) after the title */
    int lx = x, lend = x + w;
    if (top && o->title) legend_text(g, &lx, lend, y, axs, o->title, 2);
    for (int s = 0; s < nseries; s++) {
        col_iter it;
        col_start(&it, &series[s], beta, &gm);
        int c, pc = -1, pr = 0, st = series[s].style;
        double v;
        uint32_t marker = ascii ? (uint32_t)ascii_marker[s % 4] : 0;
        while (col_next(&it, &c, &v)) {
            int r = dot_row(&gm, v);
            if (mode == TUI_UTF8_BLOCK) {
                if (pc < 0 || c <= pc) /* the first point, or xs out of order */
                    block_point(g, &gm, c, r, st);
                else
                    block_line(g, &gm, pc, pr, c, r, st);
            } else {
                chart_line(g, &gm, pc < 0 ? c : pc, pc < 0 ? r : pr, c, r, st, marker);
            }
            pc = c, pr = r;
        }
        if (!top || !series[s].label) continue;
        char num[16];
        tui_num_format(it.last, num, sizeof num);
        if (ascii) legend_text(g, &lx, lend, y, st, (char[2]){(char)marker, 0}, 1);
        legend_text(g, &lx, lend, y, st, series[s].label, 1);
        legend_text(g, &lx, lend, y, st, num, 2);
    }
    return 0;
}

int tui_grid_printf(tui_grid *g, int x, int y, int style, int maxw, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return tui_grid_text(g, x, y, style, buf, maxw);
}

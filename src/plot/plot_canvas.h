/* plot_canvas: an RGB canvas to draw charts on for slides and reports: anti-aliased lines,
 * rectangles, and text from a bitmap font kept in the source, and its PNG file written with
 * libpng. Coordinates are in pixels, (0, 0) top left, integer coordinates at pixel centres (a
 * 1-pixel line at y = 20 fills row 20); everything is clipped to the canvas. */
#ifndef DISTILLERY_PLOT_CANVAS_H
#define DISTILLERY_PLOT_CANVAS_H

#include <stddef.h>
#include <stdint.h>

typedef struct plot_rgb {
    uint8_t r, g, b;
} plot_rgb;

typedef struct plot_canvas plot_canvas;

/* A w x h canvas filled with bg (16 <= w, h <= 8192), or NULL; caller frees with
 * plot_canvas_free. */
plot_canvas *plot_canvas_new(int w, int h, plot_rgb bg);
void plot_canvas_free(plot_canvas *c); /* NULL is fine */
int plot_canvas_width(const plot_canvas *c);
int plot_canvas_height(const plot_canvas *c);
/* The pixel at (x, y); black outside. */
plot_rgb plot_canvas_get(const plot_canvas *c, int x, int y);

/* A filled rectangle, and a rectangle's outline `width` pixels thick. */
void plot_fill_rect(plot_canvas *c, int x, int y, int w, int h, plot_rgb col);
void plot_rect(plot_canvas *c, int x, int y, int w, int h, int width, plot_rgb col);

/* An anti-aliased line from (x0, y0) to (x1, y1), about `width` pixels wide (1..8), blended
 * into what is there. */
void plot_line(plot_canvas *c, double x0, double y0, double x1, double y1, double width,
               plot_rgb col);

/* Text from the built-in font (printable ASCII; others show as '?'), each font pixel drawn as a
 * scale x scale block (scale 1..8), top-left at (x, y). Returns the width drawn in pixels. */
int plot_text(plot_canvas *c, int x, int y, const char *s, int scale, plot_rgb col);
/* Its width and the font's line height, in pixels, at a scale. */
int plot_text_width(const char *s, int scale);
int plot_text_height(int scale);
/* The same, turned 90 degrees counter-clockwise (for a y axis label): it reads bottom to top,
 * the tops of the letters to the left; the rotated box is plot_text_height wide and
 * plot_text_width tall, its top-left at (x, y). Returns plot_text_width. */
int plot_text_vertical(plot_canvas *c, int x, int y, const char *s, int scale, plot_rgb col);

/* The built-in font itself: whether pixel (x, y) of a character's 6 x 10 cell is set (the
 * screen draws big text with it). */
#define PLOT_FONT_W 6
#define PLOT_FONT_H 10
int plot_font_pixel(unsigned char ch, int x, int y);

/* Write the canvas as an 8-bit RGB PNG, atomically: a temporary file in the same folder, synced,
 * then renamed, so an older file is never truncated. 0, or -1 with err naming the file and what
 * failed. */
int plot_png_write(const plot_canvas *c, const char *path, char *err, size_t errlen);

#endif

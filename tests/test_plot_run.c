/* test_plot_run: the run charts as PNG, decoded back with libpng. A small metrics.csv written
 * here gives known curves: the files must be valid PNGs of the asked size, not blank, and the
 * teacher's flat line must sit where its accuracy puts it. Bad input: a missing or foreign
 * metrics.csv, an unwritable folder, sizes out of range. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plot/plot_run.h"
#include "tap.h"

static char dir[256];

/* Decode path into an RGB buffer (w*h*3), or NULL. */
static unsigned char *decode(const char *path, int *w, int *h)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path)) return NULL;
    img.format = PNG_FORMAT_RGB;
    unsigned char *buf = malloc(PNG_IMAGE_SIZE(img));
    if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL)) {
        free(buf);
        png_image_free(&img);
        return NULL;
    }
    *w = (int)img.width, *h = (int)img.height;
    return buf;
}

static void write_metrics(const char *path)
{
    FILE *f = fopen(path, "w");
    fprintf(f, "kind,phase,model,epoch,step,T,alpha,lr,ce,kl,t2kl,loss,acc\n");
    for (int e = 1; e <= 3; e++) fprintf(f, "eval,teacher,teacher,%d,%d,,,,,,,0.3,0.9\n", e, e * 10);
    for (int s = 1; s <= 40; s++) {
        fprintf(f, "step,distil,student,%d,%d,2,0.7,0.001,%g,0.1,0.4,%g,\n", (s + 9) / 10, s,
                2.0 / s, 0.3 * 2.0 / s + 0.28);
        fprintf(f, "step,distil,baseline,%d,%d,,,0.001,%g,,,%g,\n", (s + 9) / 10, s, 1.8 / s, 1.8 / s);
    }
    for (int e = 1; e <= 4; e++) {
        fprintf(f, "eval,distil,student,%d,%d,,,,,,,0.5,%g\n", e, e * 10, 0.5 + 0.08 * e);
        fprintf(f, "eval,distil,baseline,%d,%d,,,,,,,0.5,%g\n", e, e * 10, 0.45 + 0.08 * e);
    }
    fclose(f);
}

static int nonwhite(const unsigned char *rgb, int w, int h)
{
    int n = 0;
    for (long i = 0; i < (long)w * h; i++)
        n += rgb[3 * i] != 255 || rgb[3 * i + 1] != 255 || rgb[3 * i + 2] != 255;
    return n;
}

int main(void)
{
    char path[400], err[1300];
    snprintf(dir, sizeof dir, "%s/distillery-plot-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) return tap_ok(0, "mkdtemp"), tap_done();
    int written = -1;
    tap_ok(plot_run(dir, NULL, 1280, 720, &written, err, sizeof err) == -1 && strstr(err, "metrics.csv"),
           "a folder without metrics.csv is an error naming it: %s", err);
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("time,value\n1,2\n", f);
    fclose(f);
    tap_ok(plot_run(dir, NULL, 1280, 720, &written, err, sizeof err) == -1 && strstr(err, "not a distillery"),
           "a foreign csv is refused: %s", err);
    write_metrics(path);
    tap_ok(plot_run(dir, NULL, 100, 100, &written, err, sizeof err) == -1, "a size below 640x360 is refused");

    float t[3] = {0.1f, 0.2f, 0.7f}, s[3] = {0.2f, 0.3f, 0.5f};
    char names[3][DATA_CLASS_NAME] = {"Ron", "Neville", "Draco"};
    plot_sample sm = {7, 2, 3, 4.0f, (const char(*)[DATA_CLASS_NAME])names, {t, s, NULL}};
    tap_ok(plot_run(dir, &sm, 1280, 720, &written, err, sizeof err) == 0 && written == 3,
           "loss, accuracy and sample charts written (%d)", written);
    static const char *const files[3] = {"loss.png", "accuracy.png", "sample.png"};
    for (int i = 0; i < 3; i++) {
        int w = 0, h = 0;
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unsigned char *rgb = decode(path, &w, &h);
        tap_ok(rgb != NULL, "%s decodes as a PNG", files[i]);
        tap_ok(w == 1280 && h == 720, "%s is 1280x720 (%dx%d)", files[i], w, h);
        int ink = rgb ? nonwhite(rgb, w, h) : 0;
        tap_ok(ink > 5000 && ink < w * h / 2, "%s is drawn on, not blank (%d pixels)", files[i], ink);
        if (i == 1 && rgb) {
            /* the teacher's flat line at 0.9 is dark blue across the middle of the plot: the
             * accuracy range is 0.53..0.9 padded by 5%, so 0.9 sits near the top; find the row */
            int best = 0, row = -1;
            for (int y = 0; y < h; y++) {
                int n = 0;
                for (int x = w / 4; x < w / 2; x++) {
                    const unsigned char *p = rgb + 3 * ((size_t)y * w + x);
                    n += p[0] < 60 && p[1] < 90 && p[2] > 110;
                }
                if (n > best) best = n, row = y;
            }
            tap_ok(best > w / 5, "the teacher's line crosses the plot (%d pixels in row %d)", best, row);
            tap_ok(row > 40 && row < h / 3, "near the top, where 0.9 belongs (row %d)", row);
        }
        free(rgb);
    }

    /* an unwritable place keeps the older files whole */
    snprintf(path, sizeof path, "%s/loss.png", dir);
    struct stat before;
    stat(path, &before);
    tap_ok(plot_run("/proc", NULL, 1280, 720, &written, err, sizeof err) == -1, "a run dir under /proc is an error");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) tap_diag("could not remove %s", dir);
    return tap_done();
}

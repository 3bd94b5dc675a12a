/* mkpngdir: writes a folder of PNG images, one subfolder per class, from the built-in synthetic
 * set, for the command line's tests of --data DIR with PNGs; and one broken file, to be skipped.
 *   mkpngdir DIR [PER_CLASS] */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "distillery/data.h"

static int write_png(const char *path, const unsigned char *pixels, int rows, int cols)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)cols;
    img.height = (png_uint_32)rows;
    img.format = PNG_FORMAT_GRAY;
    return png_image_write_to_file(&img, path, 0, pixels, cols, NULL) ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) return fprintf(stderr, "usage: mkpngdir DIR [PER_CLASS]\n"), 2;
    int per = argc > 2 ? atoi(argv[2]) : 30;
    char err[256], path[1200];
    data_set tr = {0}, te = {0};
    data_synth_config sc = data_synth_defaults();
    sc.ntrain = per * 10;
    sc.ntest = 10;
    if (data_synthetic(&tr, &te, &sc, err, sizeof err)) return fprintf(stderr, "mkpngdir: %s\n", err), 1;
    mkdir(argv[1], 0777);
    int count[DATA_MAX_CLASSES] = {0};
    for (int i = 0; i < tr.n; i++) {
        int c = tr.labels[i];
        snprintf(path, sizeof path, "%s/%s", argv[1], tr.class_names[c]);
        mkdir(path, 0777);
        snprintf(path, sizeof path, "%s/%s/%04d.png", argv[1], tr.class_names[c], count[c]++);
        if (write_png(path, tr.pixels + (size_t)i * tr.dim, tr.rows, tr.cols))
            return fprintf(stderr, "mkpngdir: cannot write %s\n", path), 1;
    }
    snprintf(path, sizeof path, "%s/%s/zz-broken.png", argv[1], tr.class_names[0]);
    FILE *f = fopen(path, "w");
    if (f) fputs("not a png", f), fclose(f);
    data_free(&tr);
    data_free(&te);
    return 0;
}

/* data_pngdir: data sets from folders of PNG images laid out like torchvision's ImageFolder, so a
 * user's own images can be distilled without converting them to IDX first. Decoding is libpng's;
 * the files come from outside, so each is checked (signature, IHDR size) before anything sized
 * by it is allocated, and a bad file is skipped or, when strict, fails the load by name.
 *
 * Layout. Either
 *     DIR/train/CLASS/NAME.png  and  DIR/test/CLASS/NAME.png   (train/ and test/ both present)
 *     DIR/CLASS/NAME.png                                       (neither present)
 * In the second form the split is deterministic: within each class the .png files are sorted by
 * name (byte order) and every 6th one (positions 6, 12, ... counting from 1, i.e. index % 6 == 5)
 * goes to test, the rest to train. The position counts every .png file, readable or not, so
 * mending or removing a bad file never moves another image between train and test. A class with
 * fewer than 6 images gives test nothing; the load fails when test would be empty.
 *
 * Classes are the subfolder names sorted in byte order (strcmp); a label is the position in that
 * order. Entries starting with '.' are ignored, as are files not ending in ".png" (any case). In
 * the train/test form both splits must name the same classes. Names longer than
 * DATA_CLASS_NAME - 1 bytes are truncated in class_names (the folder itself is still used).
 *
 * Pixels. libpng expands palettes to RGB, low bit depths and tRNS to 8-bit (with alpha), strips
 * 16-bit samples to their high byte, and alpha is dropped, not composited: that is what
 * torchvision's loader does (PIL's convert("RGB")), and compositing on black would erase dark
 * strokes drawn on a transparent background. Colour becomes greyscale with the Rec. 601 luma
 * weights in PIL's fixed point, Y = (19595 R + 38470 G + 7471 B + 32768) >> 16, so the bytes
 * match what PIL's convert("L") gives. Interlaced files are read too.
 *
 * Size. Every image ends up rows x cols: the size in cfg, or else that of the first image read
 * (train before test, classes in order, files sorted by name). An image of another size is
 * resized with an area-weighted box filter over the whole image: each output pixel is the mean
 * of the source area it covers, with fractional edge pixels weighted by their overlap, rounded to
 * nearest. Integer downscales are exact block means and integer upscales are pixel replication.
 *
 * Limits: width and height in [1, 16384] and width * height <= 64 Mpixel ("huge dimensions"
 * otherwise), at most DATA_MAX_CLASSES classes, files up to 1 GiB. */
#ifndef DISTILLERY_DATA_PNGDIR_H
#define DISTILLERY_DATA_PNGDIR_H

#include "distillery/data.h"

#include <stdbool.h>
#include <stddef.h>

#define DATA_PNG_MAX_SIDE   16384
#define DATA_PNG_MAX_PIXELS (64L * 1024 * 1024)

typedef struct data_pngdir_config {
    int rows, cols; /* both 0: take the first image's size; else both in [1, DATA_PNG_MAX_SIDE] */
    bool strict;    /* a bad file fails the load instead of being skipped */
} data_pngdir_config;

data_pngdir_config data_pngdir_defaults(void); /* size from the first image, not strict */

/* Load the folder dir into train and test (both required; each filled as data.h documents, name =
 * the folder's base name; caller frees each with data_free). Returns 0, or -1 with err naming the
 * file or folder at fault and train, test left zeroed. When not strict, *skipped (may be NULL)
 * counts the files that could not be read and first_skip (may be NULL) receives the first one's
 * message, e.g. "DIR/train/cat/3.png: not a PNG (bad signature)", or "" when none was skipped.
 * Fails when a class folder holds no .png file, when a train class ends up with no readable image,
 * or when either split ends up empty. */
int data_pngdir_load(data_set *train, data_set *test, const char *dir,
                     const data_pngdir_config *cfg, int *skipped, char *first_skip,
                     size_t first_skip_len, char *err, size_t errlen);

#endif

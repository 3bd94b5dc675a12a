/* plot_run: the charts of a run as PNG files for slides and reports, drawn from the run
 * directory's metrics.csv (the record of the run, so any run can be charted, even a finished
 * one) into the same directory:
 *   loss.png      the student's CE, T^2*KL and total over the distillation steps, and the
 *                 baseline's CE
 *   accuracy.png  test accuracy per epoch of the teacher, the distilled student and the baseline
 *   sample.png    one sample's probabilities per class for each model, when given */
#ifndef DISTILLERY_PLOT_RUN_H
#define DISTILLERY_PLOT_RUN_H

#include <stddef.h>

#include "distillery/data.h"

/* One sample's view: per class the probabilities of teacher, student and baseline (NULL for a
 * model that has none yet). */
typedef struct plot_sample {
    int index, label, nclasses;
    float T;
    const char (*class_names)[DATA_CLASS_NAME];
    const float *probs[3]; /* teacher, student, baseline; (nclasses) each */
    const char *title;     /* NULL: "sample N (class)" */
    const char *model_names[3]; /* NULL: teacher, distilled student, baseline */
} plot_sample;

/* The sample chart alone, into path. 0, or -1 with err. */
int plot_sample_png(const char *path, const plot_sample *s, int w, int h, char *err,
                    size_t errlen);

#define PLOT_DEFAULT_W 1600
#define PLOT_DEFAULT_H 900

/* Write the charts of run_dir at w x h pixels (at least 640 x 360). 0, or -1 with err naming
 * the file and what failed (a missing or malformed metrics.csv, a write error; older PNGs are
 * never truncated). written receives how many files were written. */
int plot_run(const char *run_dir, const plot_sample *sample, int w, int h, int *written,
             char *err, size_t errlen);

#endif

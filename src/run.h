/* run: an experiment run headless, from settings (and a script's schedules and hooks) to a
 * complete run directory, and a sweep of such runs. Progress goes to stderr, the final line to
 * stdout. The screen's event loop will drive the same trainer the same way. */
#ifndef DISTILLERY_RUN_H
#define DISTILLERY_RUN_H

#include "distillery/data.h"
#include "distillery/train.h"
#include "distillery/train_settings.h"
#include "script/script.h"

/* Run o (finished and checked) with the script sc (NULL for none). Returns the exit status:
 * 0 done (or stopped by the script), 1 failed, 130 interrupted by a signal. final, when not
 * NULL, receives the last state, and dir the run directory ("" if none was made). */
int run_headless(train_settings *o, script *sc, train_state *final, char *dir, size_t dirlen);

/* The experiment's data: Fashion-MNIST (or, for the default experiment where it is not installed,
 * the synthetic set, with note saying why), the synthetic set, or an MNIST-format folder. note
 * is "" when there is nothing to say. */
int run_load_data(train_settings *o, data_set *trainset, data_set *testset, char *note,
                  size_t notelen, char *err, size_t errlen);

/* "done: teacher 88.51% student ..." on stdout */
void run_print_summary(const train_state *s, const char *dir);

/* peak resident memory of this process so far, in MiB */
double run_peak_rss_mib(void);

/* Every run of sc's kd.sweep{} on top of base, each in its own directory under
 * RUNS/NAME-sweep-YYYYmmdd-HHMMSS/, then sweep.csv and a table of final and best accuracies per
 * setting, mean and spread over the seeds. The exit status of the worst run. */
int run_sweep(const train_settings *base, script *sc);

#endif

/* train_rundir: the record of a run, runs/NAME-YYYYmmdd-HHMMSS/:
 *   config.json    the resolved configuration
 *   metrics.csv    one row per logged step and per evaluation, flushed per line
 *   metrics.jsonl  the same rows as JSON objects (evaluations add per-class accuracy)
 *   events.log     phases, cache hits, checkpoints, control changes, errors, with times
 *   summary.json   final and best accuracies, written when the run ends (also on failure)
 * It is a train_sink: hand train_rundir_sink and the rundir to train_new, or call it from another
 * sink. Write errors are remembered and reported by train_rundir_close, never fatal mid-run. */
#ifndef DISTILLERY_TRAIN_RUNDIR_H
#define DISTILLERY_TRAIN_RUNDIR_H

#include <stddef.h>

#include "train.h"

typedef struct train_rundir train_rundir;

/* Create the run directory: c->run_dir when set (created if missing; refused when it
 * already holds any run file), else c->run_root/SLUG-YYYYmmdd-HHMMSS with SLUG from c->name (a suffix -2, -3... if it
 * exists). Writes config.json. NULL with err on failure. Caller closes with train_rundir_close. */
train_rundir *train_rundir_open(const train_config *c, char *err, size_t errlen);
const char *train_rundir_path(const train_rundir *rd);

/* mkdir -p: each missing folder of path with mode 0777 less the umask. 0, or -1 with err. */
int train_make_dirs(const char *path, char *err, size_t errlen);

/* The sink: ud is the train_rundir. */
void train_rundir_sink(void *ud, const train_event *ev);

/* A free-form line into events.log (key-made changes, notes), with a timestamp. */
void train_rundir_note(train_rundir *rd, const char *text);

/* Write summary.json from the final state (or only status and time when final is NULL) (status "done", "failed: ..." or "stopped"), close every
 * file and free rd. 0, or -1 with err describing the first write error of the whole run. */
int train_rundir_close(train_rundir *rd, const train_state *final, const char *status,
                       double seconds, char *err, size_t errlen);

#endif

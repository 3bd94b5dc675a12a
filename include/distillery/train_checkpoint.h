/* train_checkpoint: a model's weights on disk. A versioned little-endian binary:
 *   "DSTLCKPT" | u32 version | u32 nwidths | u32 widths[nwidths] | f32 dropout | u64 key |
 *   u64 nparams | f32 params[nparams] | u32 crc32 of all that precedes
 * written to a temporary file in the same folder, synced and renamed, so a crash never leaves a
 * half-written checkpoint under the real name. */
#ifndef DISTILLERY_TRAIN_CHECKPOINT_H
#define DISTILLERY_TRAIN_CHECKPOINT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "nn_mlp.h"

#define TRAIN_CKPT_VERSION 1

/* Write m's parameters with key (what produced them; 0 if nothing) to path atomically.
 * 0, or -1 with err naming the file and the failing operation; an older file is never truncated. */
int train_checkpoint_save(const char *path, nn_mlp *m, uint64_t key, char *err, size_t errlen);

/* The end of every atomic write: f, open on tmp, is flushed, synced and closed (each checked:
 * fclose can report a delayed error), renamed over path, and the folder synced. write_err is the
 * errno of a failed write before, if any, and stays the cause. Returns 0, or the errno (EIO when
 * none was set) with *op naming the step ("write failed", "sync failed", "close failed",
 * "rename failed"); tmp is then removed and path left as it was. */
int train_atomic_finish(FILE *f, const char *tmp, const char *path, int write_err,
                        const char **op);

/* Read a checkpoint into a new model for batches up to max_batch. Every field is validated (magic,
 * version, widths, nparams against widths, exact file size, checksum) before the parameters are
 * allocated. key receives the stored key when not NULL. NULL with err on any problem.
 * Caller frees with nn_mlp_free. */
nn_mlp *train_checkpoint_load(const char *path, int max_batch, uint64_t *key, char *err,
                              size_t errlen);

#endif

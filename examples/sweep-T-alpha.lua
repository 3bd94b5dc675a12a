-- sweep-T-alpha.lua: a grid of temperatures and weights, two seeds each.
--
-- kd.sweep runs its base experiment once for every combination of T = 1, 2, 4, 8, alpha = 0.5,
-- 0.9 and seed = 1, 2 (16 runs), each in its own run directory, and ends with sweep.csv and a
-- table: one line per (T, alpha), the student's and the baseline's final and best accuracy as
-- mean +- sd over the seeds, and the gain in points. The teacher keeps the base's seed, so it is
-- trained (or taken from the cache) once and serves every run; the seed changes the student's
-- initial weights, its batches and its transfer set.
--
--     distillery --headless examples/sweep-T-alpha.lua            # runs/sweep-T-alpha-sweep-DATE/
--
-- Fashion-MNIST with a 1% transfer set (600 images) and 200 student epochs, the setting where
-- the README finds distillation worth about 2 points: 5 to 10 seconds a run on 2 cores, so
-- 2 to 3 minutes in all once the teacher is cached.

local kd = require "distillery"

local base = kd.experiment {
  data    = kd.data.fashion_mnist { transfer = 0.01 },
  teacher = { model = kd.mlp { 784, 1200, 1200, 10, dropout = 0.3 }, epochs = 10 },
  student = { model = kd.mlp { 784, 32, 10 }, epochs = 200 },
  quiet   = true,                -- one line per run instead of every epoch's accuracy
}

return kd.sweep {
  base  = base,
  T     = { 1, 2, 4, 8 },
  alpha = { 0.5, 0.9 },
  seeds = { 1, 2 },
}

-- fashion-full.lua: distillation on the whole Fashion-MNIST training set.
--
-- A 2.4M-parameter teacher (784-1200-1200-10) is distilled into a 25k-parameter student
-- (784-32-10) on all 60,000 training images, at T = 2 with alpha = 0.7. With that many hard
-- labels the soft ones add little to a student this small: expect the student and the baseline
-- (the same student trained from hard labels alone) within a point of each other, around 86%
-- (README, "Results on Fashion-MNIST"). Compare with fashion-small-transfer.lua.
--
--     distillery --headless examples/fashion-full.lua
--     distillery --headless examples/fashion-full.lua --set T=1     # the README's best T here
--
-- Needs Fashion-MNIST in /usr/share/datasets/fashion-mnist (Debian: dataset-fashion-mnist).
-- The teacher trains for about two minutes on 2 cores the first time; it is then reused from the
-- cache (~/.cache/distillery) by every experiment with the same teacher, so the next runs take
-- about 10 seconds.

local kd = require "distillery"

-- a model's test accuracy as "81.25%", or "n/a" when it is not there (--set baseline=no)
local function pct(e) return e and string.format("%.2f%%", 100 * e.acc) or "n/a" end

return kd.experiment {
  -- a float is a fraction: 1.0 (or "100%") is all 60,000 images; an integer is a count
  data     = kd.data.fashion_mnist { transfer = 1.0 },
  teacher  = { model = kd.mlp { 784, 1200, 1200, 10, dropout = 0.3 }, epochs = 10 },
  student  = { model = kd.mlp { 784, 32, 10 }, epochs = 10 },
  baseline = true,
  optim    = kd.adam { lr = 1e-3 },
  batch    = 128,
  seed     = 1,
  T        = 2,
  alpha    = 0.7,

  on_epoch = function(ctx, stats)
    if stats.phase == "distil" then
      print(string.format("epoch %2d/%d  student %s  baseline %s%s", ctx.epoch, ctx.epochs,
        pct(stats.student), pct(stats.baseline),
        stats.gain and string.format("  (%+.2f points)", 100 * stats.gain) or ""))
    end
  end,
}

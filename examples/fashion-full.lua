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
-- about 15 seconds.

local kd = require "distillery"

return kd.experiment {
  -- every one of the 60,000 training images; write "100%" (or 1.0 once the host keeps floats):
  -- a whole number such as 1 is a count of images
  data     = kd.data.fashion_mnist { transfer = "100%" },
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
      print(string.format("epoch %2d/%d  student %.2f%%  baseline %.2f%%  (%+.2f points)",
        ctx.epoch, ctx.epochs, 100 * stats.student.acc, 100 * stats.baseline.acc, 100 * stats.gain))
    end
  end,
}

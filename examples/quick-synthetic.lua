-- quick-synthetic.lua: distillation in about ten seconds, no data files needed.
--
-- The built-in synthetic set has ten classes in look-alike pairs (a ring and a ring with a dot, a
-- plus and a plus with a serif, ...). A teacher trained on all 12,000 images knows which classes
-- resemble which; a 32-unit student then learns from only 600 of them (a 5% transfer set), once
-- from the teacher's soft labels (the student) and once from the hard labels alone (the baseline,
-- trained in lockstep with the same initial weights and batches). The soft labels are worth a
-- few points of test accuracy.
--
--     distillery --headless examples/quick-synthetic.lua
--     distillery --headless examples/quick-synthetic.lua --set T=4 --set seed=2
--
-- The run directory (runs/quick-synthetic-DATE-TIME/) keeps metrics.csv and summary.json.

local kd = require "distillery"

-- a model's test accuracy as "81.25%", or "n/a" when it is not there (--set baseline=no)
local function pct(e) return e and string.format("%.2f%%", 100 * e.acc) or "n/a" end

return kd.experiment {
  data     = kd.data.synthetic { transfer = 0.05 },       -- 12,000 train / 2,000 test images
  teacher  = { model = kd.mlp { 784, 512, 512, 10, dropout = 0.3 }, epochs = 8 },
  student  = { model = kd.mlp { 784, 32, 10 }, epochs = 100 },
  baseline = true,
  T        = 2,
  alpha    = 0.7,                                          -- weight of the soft (teacher) term

  -- Report every 20th epoch of the distillation (on_epoch also sees the teacher's epochs).
  on_epoch = function(ctx, stats)
    if stats.phase == "distil" and ctx.epoch % 20 == 0 then
      print(string.format("epoch %3d  student %s  baseline %s", ctx.epoch, pct(stats.student),
        pct(stats.baseline)))
    end
  end,

  on_done = function(summary)
    if summary.gain then
      print(string.format("soft labels gained %+.2f points of test accuracy", 100 * summary.gain))
    end
  end,
}

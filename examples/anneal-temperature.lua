-- anneal-temperature.lua: temperature annealing, from T = 8 down to T = 2.
--
-- A high T flattens the teacher's distribution, so the student hears most about how the wrong
-- classes compare ("a Shirt is a bit like a T-shirt, nothing like a Sandal"); a low T sharpens it
-- towards the answer. Here T follows a cosine from 8 at the start of the distillation to 2 at its
-- end (s.anneal: flat at both ends, so the T^2 weight of the soft term never jumps). T may be any
-- function of ctx; the schedule is evaluated before every training step, at ctx.progress (0 at
-- the first step of the distillation, 1 at the last).
--
--     distillery --headless examples/anneal-temperature.lua
--     distillery --headless examples/anneal-temperature.lua --set T=2   # a fixed T, to compare
--
-- A --set T (or --T) replaces the schedule. Fashion-MNIST with a 1% transfer set, as in
-- fashion-small-transfer.lua, so the two share their cached teacher; about 10 seconds then.

local kd = require "distillery"
local s  = require "distillery.schedule"

-- a model's test accuracy as "81.25%", or "n/a" when it is not there (--set baseline=no)
local function pct(e) return e and string.format("%.2f%%", 100 * e.acc) or "n/a" end

local T = s.anneal(8, 2)         -- or s.cosine(8, 2), s.linear(8, 2), s.exponential(8, 2), s.step{...}

-- what the schedule gives along the way (f:at(p) evaluates it at progress p)
print(string.format("T: %s  =  %.2f at 0%%, %.2f at 25%%, %.2f at 50%%, %.2f at 75%%, %.2f at 100%%",
  tostring(T), T:at(0), T:at(0.25), T:at(0.5), T:at(0.75), T:at(1)))

return kd.experiment {
  data     = kd.data.fashion_mnist { transfer = 0.01 },
  teacher  = { model = kd.mlp { 784, 1200, 1200, 10, dropout = 0.3 }, epochs = 10 },
  student  = { model = kd.mlp { 784, 32, 10 }, epochs = 200 },
  T        = T,
  alpha    = 0.7,

  on_epoch = function(ctx, stats)
    if stats.phase == "distil" and (ctx.epoch == 1 or ctx.epoch % 25 == 0) then
      print(string.format("epoch %3d  T %.2f  student %s  baseline %s", ctx.epoch, ctx.T,
        pct(stats.student), pct(stats.baseline)))
    end
  end,

  on_done = function(summary)
    if summary.gain then
      print(string.format("annealed T: %+.2f points over the baseline", 100 * summary.gain))
    end
  end,
}

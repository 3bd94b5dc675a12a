-- omitted-class.lua: the student learns a class it never saw (Hinton et al. 2015, section 3).
--
-- Every "Dress" (class 3 of Fashion-MNIST) is left out of the transfer set, so neither student
-- sees one: the baseline, which learns from hard labels only, never meets the label "Dress" and
-- gets 0% of the test dresses right. The distilled student never meets one either, but the
-- teacher's soft labels on the other images carry how much each coat, shirt or top looks like a
-- dress; from that alone the student recognises roughly half of the test dresses. A high T and
-- alpha make the most of it (measured with this build: about 50% at T = 8, alpha = 0.9, against
-- 42% at T = 4, alpha = 0.7).
--
--     distillery --headless examples/omitted-class.lua
--     distillery --headless examples/omitted-class.lua --set T=2 --set alpha=0.7
--
-- The full training set minus its 6,000 dresses, 10 student epochs: about 15 seconds once the
-- teacher is cached (it is the teacher of the other Fashion-MNIST examples).

local kd = require "distillery"

local OMIT = 3                           -- "Dress"; class numbers start at 0
local k = OMIT + 1                       -- class_acc is a Lua list: class c is at index c + 1

-- a model's accuracy on the omitted class and on all of them; "n/a" for a model that is not
-- there (--set baseline=no)
local function on_k(e) return e and string.format("%5.1f%%", 100 * e.class_acc[k]) or "  n/a" end
local function on_all(e) return e and string.format("%.2f%%", 100 * e.acc) or "n/a" end

local function report(when, student, baseline)
  print(string.format("%s  dresses right: student %s  baseline %s   (all classes: %s / %s)",
    when, on_k(student), on_k(baseline), on_all(student), on_all(baseline)))
end

return kd.experiment {
  data     = kd.data.fashion_mnist { transfer = 1.0, omit = OMIT },
  teacher  = { model = kd.mlp { 784, 1200, 1200, 10, dropout = 0.3 }, epochs = 10 },
  student  = { model = kd.mlp { 784, 32, 10 }, epochs = 10 },
  T        = 8,
  alpha    = 0.9,

  -- ctx.eval holds the latest evaluation of each model; the teacher, trained or taken from the
  -- cache, has been evaluated by the time the distillation starts
  on_phase = function(ctx, phase)
    if phase == "distil" and ctx.eval.teacher then
      print(string.format("the teacher, which did see dresses, gets %.1f%% of them right",
        100 * ctx.eval.teacher.class_acc[k]))
    end
  end,

  on_epoch = function(ctx, stats)
    if stats.phase == "distil" then
      report(string.format("epoch %2d", ctx.epoch), stats.student, stats.baseline)
    end
  end,

  on_done = function(summary)
    if summary.student then
      report("final   ", summary.student, summary.baseline)
    end
  end,
}

-- plateau-alpha.lua: a hook that changes alpha when the student stops improving.
--
-- Hooks are plain Lua functions; locals outside them (upvalues) keep their state from one call to
-- the next. After every distillation epoch, on_epoch compares the student's test accuracy with
-- the best so far; after PATIENCE epochs without a new best, it raises alpha by STEP, leaning
-- more on the teacher's soft labels (which keep teaching after the 600 hard labels are learnt
-- by heart), and starts counting again. ctx:set{} takes effect from the next training step and
-- is logged in events.log; print() goes there too.
--
--     distillery --headless examples/plateau-alpha.lua
--
-- Fashion-MNIST with a 1% transfer set (the teacher is shared with fashion-small-transfer.lua).

local kd = require "distillery"

local PATIENCE = 10      -- epochs without a new best before alpha changes
local STEP     = 0.1     -- how much alpha rises each time
local MAX      = 0.9     -- and how far

local best, waited = 0, 0 -- the student's best accuracy, and epochs since it (or since a change)
local changes = {}

return kd.experiment {
  data     = kd.data.fashion_mnist { transfer = 0.01 },
  teacher  = { model = kd.mlp { 784, 1200, 1200, 10, dropout = 0.3 }, epochs = 10 },
  student  = { model = kd.mlp { 784, 32, 10 }, epochs = 200 },
  T        = 2,
  alpha    = 0.5,                       -- where alpha starts

  -- a fresh start for every run (the same script may serve as a sweep's base)
  on_start = function(ctx) best, waited, changes = 0, 0, {} end,

  on_epoch = function(ctx, stats)
    if stats.phase ~= "distil" then return end    -- the teacher's epochs come through here too
    local acc = stats.student.acc
    if acc > best then
      best, waited = acc, 0
      return
    end
    waited = waited + 1
    -- ctx.alpha is the trainer's single-precision value: 0.9 reads back as 0.8999999762
    if waited >= PATIENCE and ctx.alpha < MAX - 1e-6 then
      local alpha = math.min(MAX, ctx.alpha + STEP)
      print(string.format("epoch %d: %d epochs without beating %.2f%%: alpha %.1f -> %.1f",
        ctx.epoch, waited, 100 * best, ctx.alpha, alpha))
      ctx:set { alpha = alpha }
      changes[#changes + 1] = string.format("%.1f at epoch %d", alpha, ctx.epoch + 1)
      waited = 0                                  -- give the new alpha PATIENCE epochs of its own
    end
  end,

  on_done = function(summary)
    print("alpha changes: " .. (#changes > 0 and table.concat(changes, ", ") or "none"))
    if summary.gain then
      print(string.format("student %.2f%% (best %.2f%%), baseline %.2f%%: %+.2f points",
        100 * summary.student.acc, 100 * summary.student.best_acc, 100 * summary.baseline.acc,
        100 * summary.gain))
    end
  end,
}

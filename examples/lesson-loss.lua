-- lesson-loss.lua: "Who is Harry's rival? Ron, Neville or Draco?" What the soft labels say, and
-- how the temperature T brings it out. No training: it calls the C loss, kd.loss, and prints.
--
--     distillery --run examples/lesson-loss.lua
--
-- The teacher is very sure it is not Ron, somewhat sure it is not Neville, and sure it is Draco.
-- The hard label says only "Draco". A student trained on hard labels alone is sure of Draco too
-- but has no idea that Neville is a likelier answer than Ron. At T = 1 the teacher's soft label
-- says almost nothing more than the hard one; raise T and the small probabilities grow, and the
-- soft term of the loss starts to pull the student's Neville logit up and its Ron logit down:
-- that is what distillation passes on ("dark knowledge"). The T^2 factor keeps the soft term's
-- gradient of a similar size whatever T.
--
--     L = (1 - alpha) * CE(student, label) + alpha * T^2 * KL(teacher@T || student@T)
--
-- kd.loss(teacher_logits, student_logits, label, T, alpha) works on one sample (label is the
-- 1-based index of the true class, or nil) and returns {ce, kl, t2kl, total, grad}, grad being
-- dL/d(student logits).

local kd = require "distillery"

local names   = { "Ron", "Neville", "Draco" }
local teacher = { -3, 1, 5 }     -- logits: not Ron (very sure), not Neville (fairly), Draco
local student = { 0, 0, 4 }      -- hard-label student: Draco, and Ron = Neville
local label   = 3                -- Draco
local alpha   = 0.7

local function softmax(z, T)
  local m = math.max(table.unpack(z))
  local e, sum = {}, 0
  for i, v in ipairs(z) do e[i] = math.exp((v - m) / T); sum = sum + e[i] end
  for i = 1, #e do e[i] = e[i] / sum end
  return e
end

local function bar(p)
  return string.rep("#", math.floor(p * 20 + 0.5))
end

print("Who is Harry's rival?  Ron, Neville or Draco?")
print("teacher logits -3, 1, 5;  hard-label student logits 0, 0, 4;  label Draco")
print("")
for _, T in ipairs { 1, 2, 4, 8 } do
  local p, q = softmax(teacher, T), softmax(student, T)
  local soft = kd.loss(teacher, student, label, T, 1)       -- alpha = 1: the soft term alone
  local full = kd.loss(teacher, student, label, T, alpha)
  print(string.format("T = %g:  T^2*KL = %.4f (KL %.5f),  %.1f*CE + %.1f*T^2*KL = %.4f",
    T, soft.t2kl, soft.kl, 1 - alpha, alpha, full.total))
  print(string.format("  %-8s  %-27s  %7s %8s  %7s", "rival", "teacher@T", "student", "KL term", "pull"))
  for i, name in ipairs(names) do
    -- KL(p || q) = sum over classes of p * (log p - log q): this class's term of it
    local part = p[i] * (math.log(p[i]) - math.log(q[i]))
    -- the pull is -dL/ds of the soft term: > 0 raises the student's logit, < 0 lowers it
    print(string.format("  %-8s  %6.4f %-20s  %7.4f %+8.5f  %+7.4f", name, p[i], bar(p[i]), q[i],
      part, -soft.grad[i]))
  end
  print("")
end
print("At T = 1 the teacher's soft label is almost one-hot, like the hard label.")
print("At T = 4 and 8 it says Neville is a far likelier answer than Ron, and the soft")
print("term pulls the student that way: Ron's logit down, Neville's up.")

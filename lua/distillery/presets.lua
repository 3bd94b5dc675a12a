-- distillery.presets: settings from other distillation conventions, translated into ours.
--
-- Ours:  L = (1 - alpha) * CE(softmax(s), y) + alpha * T^2 * KL(softmax(t/T) || softmax(s/T))
-- (alpha weighs the soft, teacher term). A setting copied from a paper or a library gives a loss
-- that is ours times a constant, loss_scale:
--
--     other_loss = loss_scale * our_loss   (for every batch, so the gradients scale the same way)
--
--     local p = require "distillery.presets"
--
--     p.torchdistill{ T = , alpha = [, beta = ] }
--     p.repdistiller{ alpha = [, T = 4] [, gamma = 1] [, beta = 0] }
--     p.hf_course{ [T = 5] [, lambda = 0.9] }
--     p.hinton_mnist{ [T = 20] [, alpha = 0.9] [, small = false] }
--     p.no_t2{ T = , alpha = }
--
-- each returns { T = number, alpha = number, loss_scale = number, note = string }, used as
--     local c = p.repdistiller{ gamma = 0.1, alpha = 0.9 }
--     kd.experiment{ ..., T = c.T, alpha = c.alpha }   -- with SGD, lr = their lr * c.loss_scale
--
-- What loss_scale means for training: with plain SGD (momentum or not) a step on c * L at rate lr
-- is the same step as on L at rate c * lr, so use lr_ours = lr_theirs * loss_scale to reproduce
-- their run. Coupled weight decay (SGD's, added to the gradient) is not scaled by the loss, so also
-- take wd_ours = wd_theirs / loss_scale. Adam and its kin divide the gradient's scale away (up to
-- eps): there, ignore loss_scale. When the other convention's weights sum to 1, loss_scale is 1.
--
-- All translations assume what the sources below do: CE averaged over the batch and KL summed over
-- classes and averaged over the batch (torch's reduction='batchmean'). Code that uses torch's
-- KLDivLoss() with its default reduction='mean' also divides KL by the number of classes; these
-- presets do not cover that.
--
-- Arguments are checked; a bad one raises at the caller's line ("exp.lua:4: presets.no_t2: 'T'
-- must be > 0, got 0"). Unknown keys are errors too, so a typo does not fall back to a default.
--
-- Only base, string, table and math are used: this file runs in the script sandbox.

local M = {}

local huge = math.huge

local function fmt(v)
    return string.format("%g", v)
end

-- Level 3 in these helpers: they are called straight from a preset, so the error names the
-- script's line that called the preset.

-- The argument table, with no keys outside `known` (a list, also shown in the message).
local function options(name, t, known, example)
    if type(t) ~= "table" then
        error(string.format("presets.%s: expected a table like %s, got %s", name, example,
            type(t)), 3)
    end
    for k in pairs(t) do
        local found = false
        for _, key in ipairs(known) do
            if k == key then found = true break end
        end
        if not found then
            error(string.format("presets.%s: unknown parameter '%s' (accepted: %s)", name,
                tostring(k), table.concat(known, ", ")), 3)
        end
    end
    return t
end

-- t[key] (or default when absent): a finite number in [lo, hi]; lo is excluded when open is true.
local function number(name, t, key, default, lo, hi, open)
    local v = t[key]
    if v == nil then v = default end
    if type(v) ~= "number" then
        error(string.format("presets.%s: '%s' must be a number, got %s", name, key, type(v)), 3)
    end
    if v ~= v or v == huge or v == -huge then
        error(string.format("presets.%s: '%s' must be finite, got %s", name, key, fmt(v)), 3)
    end
    if open and v <= lo then
        error(string.format("presets.%s: '%s' must be > %s, got %s", name, key, fmt(lo), fmt(v)), 3)
    end
    if v < lo or (hi and v > hi) then
        local range = hi and string.format("in [%s, %s]", fmt(lo), fmt(hi)) or (">= " .. fmt(lo))
        error(string.format("presets.%s: '%s' must be %s, got %s", name, key, range, fmt(v)), 3)
    end
    return v
end

-- torchdistill, KDLoss (torchdistill/losses/mid_level.py; single.py in older releases):
--     L = alpha * CE + beta * T^2 * KL,   beta = 1 - alpha unless given
-- alpha weighs the hard CE, the opposite of ours. Ours: alpha' = beta / (alpha + beta),
-- loss_scale = alpha + beta (1, so alpha' = 1 - alpha, when beta is left out).
-- Quirk kept: when alpha is 0 (or None, or no targets), KDLoss returns the bare KL, without T^2
-- and without beta. That is ours at alpha' = 1 with loss_scale = 1 / T^2.
function M.torchdistill(t)
    local o = options("torchdistill", t, { "T", "alpha", "beta" }, "{T = 4, alpha = 0.1}")
    local T = number("torchdistill", o, "T", nil, 0, nil, true)
    local a, b
    if o.beta == nil then
        a = number("torchdistill", o, "alpha", nil, 0, 1)
        b = 1 - a
    else
        a = number("torchdistill", o, "alpha", nil, 0)
        b = number("torchdistill", o, "beta", nil, 0)
    end
    if a == 0 then
        return {
            T = T, alpha = 1, loss_scale = 1 / (T * T),
            note = string.format("torchdistill KDLoss T=%s alpha=0: bare KL without T^2 = ours at "
                .. "alpha=1 scaled by 1/T^2", fmt(T)),
        }
    end
    local sum = a + b
    return {
        T = T, alpha = b / sum, loss_scale = sum,
        note = string.format("torchdistill KDLoss T=%s alpha=%s (on CE) beta=%s (on T^2*KL) -> "
            .. "alpha=%s, loss x%s", fmt(T), fmt(a), fmt(b), fmt(b / sum), fmt(sum)),
    }
end

-- RepDistiller (HobbitLong/RepDistiller), train_student.py with --distill kd, helper/loops.py:
--     L = gamma * CE + alpha * DistillKL + beta * loss_kd,   DistillKL = T^2 * KL (batch mean)
-- flags -r gamma (default 1), -a alpha (no default), -b beta, --kd_T T (default 4); for kd,
-- loss_kd is 0. Their scripts/run_cifar_distill.sh runs KD with -r 0.1 -a 0.9 -b 0.
-- Ours: alpha' = alpha / (gamma + alpha), loss_scale = gamma + alpha. beta weighs a feature loss
-- that distillery does not have: only 0 is taken.
function M.repdistiller(t)
    local o = options("repdistiller", t, { "T", "gamma", "alpha", "beta" },
        "{gamma = 0.1, alpha = 0.9, T = 4}")
    local T = number("repdistiller", o, "T", 4, 0, nil, true)
    local g = number("repdistiller", o, "gamma", 1, 0)
    local a = number("repdistiller", o, "alpha", nil, 0)
    if o.beta ~= nil and o.beta ~= 0 then
        error("presets.repdistiller: 'beta' weighs RepDistiller's feature losses (hint, crd, ...), "
            .. "which distillery does not have; only beta = 0 (--distill kd) translates", 2)
    end
    local sum = g + a
    if sum <= 0 then
        error("presets.repdistiller: 'gamma' + 'alpha' must be > 0 (both 0 is no loss at all)", 2)
    end
    return {
        T = T, alpha = a / sum, loss_scale = sum,
        note = string.format("RepDistiller kd T=%s -r %s -a %s -> alpha=%s, loss x%s",
            fmt(T), fmt(g), fmt(a), fmt(a / sum), fmt(sum)),
    }
end

-- The Hugging Face transformers guide "Knowledge Distillation for Computer Vision"
-- (docs/source/en/tasks/knowledge_distillation_for_image_classification.md), ImageDistilTrainer:
--     L = (1 - lambda) * CE + lambda * T^2 * KL        (KLDivLoss batchmean)
-- the same convention as ours: alpha = lambda, loss_scale = 1. Defaults T = 5, lambda = 0.9.
-- Note: the guide's own worked example passes temperature=5, lambda_param=0.5; write
-- {lambda = 0.5} to follow it. Its first version (2023) put lambda on the CE term instead; a
-- setting copied from that version translates with torchdistill{T = , alpha = lambda}.
function M.hf_course(t)
    local o = options("hf_course", t or {}, { "T", "lambda" }, "{T = 5, lambda = 0.9}")
    local T = number("hf_course", o, "T", 5, 0, nil, true)
    local lambda = number("hf_course", o, "lambda", 0.9, 0, 1)
    return {
        T = T, alpha = lambda, loss_scale = 1,
        note = string.format("Hugging Face (1-lambda)*CE + lambda*T^2*KL, T=%s lambda=%s: "
            .. "our convention, alpha=%s", fmt(T), fmt(lambda), fmt(lambda)),
    }
end

-- Hinton, Vinyals and Dean, "Distilling the Knowledge in a Neural Network" (2015).
-- Section 2: the objective is a weighted average of the cross-entropy with the soft targets (at T)
-- and the cross-entropy with the correct labels (at T = 1); "the best results were generally
-- obtained by using a considerably lower weight on the second objective function", and since the
-- soft targets' gradients scale as 1/T^2 they are multiplied by T^2. That is our convention:
--     L = (1 - alpha) * CE + alpha * T^2 * H(softmax(t/T), softmax(s/T)),  loss_scale = 1
-- where H = KL + entropy of the teacher's soft targets: a constant in the student, so the
-- gradients are ours exactly and the loss is ours plus alpha * T^2 * H(teacher).
-- Section 3 (MNIST): a 2x800 student distilled from a 2x1200 teacher at "a temperature of 20";
-- with 300 or more units per layer all temperatures above 8 did about as well, and with 30 units
-- per layer "temperatures in the range 2.5 to 4 worked significantly better".
-- The paper gives no number for the weights: alpha = 0.9 (hard weight 0.1) is our reading of
-- "considerably lower". T = 20; small = true (students of about 30 hidden units per layer, such
-- as 784-32-10) takes T = 3, the middle of 2.5..4. T and alpha override.
function M.hinton_mnist(t)
    local o = options("hinton_mnist", t or {}, { "T", "alpha", "small" }, "{T = 20, alpha = 0.9}")
    if o.small ~= nil and type(o.small) ~= "boolean" then
        error("presets.hinton_mnist: 'small' must be a boolean, got " .. type(o.small), 2)
    end
    local T = number("hinton_mnist", o, "T", o.small and 3 or 20, 0, nil, true)
    local alpha = number("hinton_mnist", o, "alpha", 0.9, 0, 1)
    return {
        T = T, alpha = alpha, loss_scale = 1,
        note = string.format("Hinton et al. 2015 MNIST%s: T=%s, hard weight %s, soft weight %s "
            .. "with T^2 (their soft cross-entropy = KL + a constant)",
            o.small and " (small student)" or "", fmt(T), fmt(1 - alpha), fmt(alpha)),
    }
end

-- A convention without T^2 (many tutorials and ports):
--     L = alpha * KL + (1 - alpha) * CE
-- Ours weighs CE against T^2 * KL, so match the ratio of the two coefficients,
--     (1 - alpha') / (alpha' T^2) = (1 - alpha) / alpha,
-- which gives alpha' = alpha / (alpha + (1 - alpha) T^2), and then
--     loss_scale = (1 - alpha) / (1 - alpha') = (1 - alpha) + alpha / T^2
-- (at alpha = 1: alpha' = 1, loss_scale = 1 / T^2). Their soft gradient shrinks as 1/T^2, so a
-- high T here means a small alpha': that is the point of the translation.
function M.no_t2(t)
    local o = options("no_t2", t, { "T", "alpha" }, "{T = 4, alpha = 0.9}")
    local T = number("no_t2", o, "T", nil, 0, nil, true)
    local alpha = number("no_t2", o, "alpha", nil, 0, 1)
    local T2 = T * T
    local ours = alpha / (alpha + (1 - alpha) * T2)
    local scale = (1 - alpha) + alpha / T2
    return {
        T = T, alpha = ours, loss_scale = scale,
        note = string.format("no T^2: alpha*KL + (1-alpha)*CE, T=%s alpha=%s -> alpha=%.6g, "
            .. "loss x%.6g", fmt(T), fmt(alpha), ours, scale),
    }
end

return M

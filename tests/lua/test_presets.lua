-- Tests of distillery.presets, as TAP on stdout; an error at the end when any test failed.
--
--     LUA_PATH='lua/?.lua;;' lua5.4 tests/lua/test_presets.lua
--     src/distillery --run tests/lua/test_presets.lua
--
-- Each preset is checked the way a user relies on it: the other convention's loss, written out
-- here from its source, equals loss_scale times our loss at the translated T and alpha, on two
-- batches (two different (CE, KL) pairs, so both coefficients are pinned, not just their sum).
-- Runs in the script sandbox: base, string, math only.

-- TAP ------------------------------------------------------------------------------------------
local count, failed = 0, 0

local function ok(cond, msg, diag)
    count = count + 1
    if not cond then failed = failed + 1 end
    print((cond and "ok " or "not ok ") .. count .. " - " .. msg)
    if not cond and diag then print("#   " .. diag) end
    return cond
end

local function near(got, want, msg)
    local good = type(got) == "number" and math.abs(got - want) <= 1e-12 * math.max(1, math.abs(want))
    return ok(good, msg, string.format("got %s, want %.17g", tostring(got), want))
end

-- "file:line: " of the line that calls here(): an error raised at level 2 from a call written on
-- that same line must carry this prefix.
local function here()
    local _, m = pcall(error, "", 3)
    return m
end

local function raises(f, at, text, msg)
    local good, err = pcall(f)
    err = tostring(err)
    return ok(not good and err:find(text, 1, true) ~= nil and err:sub(1, #at) == at, msg,
        string.format("got %q, want %q at %q", err, text, at))
end

local function done()
    print("1.." .. count)
    if failed > 0 then error(failed .. " test(s) failed") end
end
-------------------------------------------------------------------------------------------------

local presets = require "distillery.presets"

-- A tiny loss kit: batch means of CE(softmax(s), y), KL(p_t || p_s) at T, the teacher's entropy
-- at T and the cross-entropy of the student against the soft targets at T.
local function softmax(z, T)
    local m = -math.huge
    for _, v in ipairs(z) do m = math.max(m, v / T) end
    local e, sum = {}, 0
    for i, v in ipairs(z) do
        e[i] = math.exp(v / T - m)
        sum = sum + e[i]
    end
    for i = 1, #e do e[i] = e[i] / sum end
    return e
end

local function terms(batch, T)
    local ce, kl, h, soft_ce = 0, 0, 0, 0
    for _, row in ipairs(batch) do
        ce = ce - math.log(softmax(row.s, 1)[row.y])
        local ps, pt = softmax(row.s, T), softmax(row.t, T)
        for k = 1, #pt do
            kl = kl + pt[k] * (math.log(pt[k]) - math.log(ps[k]))
            h = h - pt[k] * math.log(pt[k])
            soft_ce = soft_ce - pt[k] * math.log(ps[k])
        end
    end
    local n = #batch
    return { ce = ce / n, kl = kl / n, h = h / n, soft_ce = soft_ce / n }
end

-- Ours, from DESIGN.md.
local function ours(batch, T, alpha)
    local x = terms(batch, T)
    return (1 - alpha) * x.ce + alpha * T * T * x.kl
end

local batches = {
    { { s = { 1.0, -0.5, 2.0, 0.3 }, t = { 2.5, 0.1, 1.2, -1.0 }, y = 3 },
      { s = { -0.2, 0.4, 0.1, 1.1 }, t = { 0.3, 2.2, -0.7, 0.9 }, y = 2 } },
    { { s = { 3.0, -1.0, 0.5 }, t = { 1.0, 1.5, -2.0 }, y = 1 } },
}

-- The other convention's loss against loss_scale * ours, on both batches.
local function check(c, other, label)
    ok(type(c) == "table" and type(c.note) == "string" and #c.note > 0, label .. ": returns a note",
        "got " .. tostring(c and c.note))
    ok(c.alpha >= 0 and c.alpha <= 1, label .. ": alpha in [0, 1]", "got " .. tostring(c.alpha))
    for i, b in ipairs(batches) do
        near(other(b), c.loss_scale * ours(b, c.T, c.alpha),
            string.format("%s: their loss = loss_scale * ours (batch %d)", label, i))
    end
end

-- torchdistill KDLoss: alpha * CE + beta * T^2 * KL, beta = 1 - alpha by default; alpha = 0 is
-- the bare KL.
local function torchdistill_loss(T, a, b)
    if b == nil then b = 1 - a end
    return function(batch)
        local x = terms(batch, T)
        if a == 0 then return x.kl end
        return a * x.ce + b * T * T * x.kl
    end
end

for _, s in ipairs { { 4, 0.1 }, { 4, 0.5 }, { 20, 0.9 }, { 2.5, 0.3, 2 }, { 3, 1, 0 }, { 4, 0 },
                     { 6, 0, 0.7 } } do
    local T, a, b = s[1], s[2], s[3]
    local c = presets.torchdistill { T = T, alpha = a, beta = b }
    check(c, torchdistill_loss(T, a, b),
        string.format("torchdistill T=%g alpha=%g%s", T, a, b and (" beta=" .. b) or ""))
end
do
    local c = presets.torchdistill { T = 4, alpha = 0.1 }
    near(c.alpha, 0.9, "torchdistill alpha=0.1 is our alpha=0.9")
    near(c.loss_scale, 1, "torchdistill without beta: loss_scale 1")
    near(c.T, 4, "torchdistill keeps T")
    c = presets.torchdistill { T = 4, alpha = 0 }
    ok(c.alpha == 1 and math.abs(c.loss_scale - 1 / 16) < 1e-15,
        "torchdistill alpha=0 (bare KL): alpha 1, loss_scale 1/T^2")
    c = presets.torchdistill { T = 2, alpha = 0.5, beta = 1.5 }
    near(c.alpha, 0.75, "torchdistill alpha=0.5 beta=1.5: alpha 0.75")
    near(c.loss_scale, 2, "torchdistill alpha=0.5 beta=1.5: loss_scale 2")
end

-- RepDistiller: gamma * CE + alpha * T^2 * KL (DistillKL).
local function repdistiller_loss(T, g, a)
    return function(batch)
        local x = terms(batch, T)
        return g * x.ce + a * T * T * x.kl
    end
end

for _, s in ipairs { { 4, 0.1, 0.9 }, { 4, 1, 1 }, { 2.5, 0.5, 2 }, { 8, 1, 0 }, { 4, 0, 0.9 } } do
    local T, g, a = s[1], s[2], s[3]
    check(presets.repdistiller { T = T, gamma = g, alpha = a }, repdistiller_loss(T, g, a),
        string.format("repdistiller T=%g gamma=%g alpha=%g", T, g, a))
end
do
    local c = presets.repdistiller { gamma = 0.1, alpha = 0.9, beta = 0 }
    ok(c.T == 4, "repdistiller: T defaults to --kd_T's 4", "got " .. tostring(c.T))
    near(c.alpha, 0.9, "repdistiller -r 0.1 -a 0.9: alpha 0.9")
    near(c.loss_scale, 1, "repdistiller -r 0.1 -a 0.9: loss_scale 1")
    c = presets.repdistiller { alpha = 1 }
    near(c.alpha, 0.5, "repdistiller: gamma defaults to 1 (-a 1: alpha 0.5)")
    near(c.loss_scale, 2, "repdistiller -r 1 -a 1: loss_scale 2")
    check(c, repdistiller_loss(4, 1, 1), "repdistiller defaults with alpha=1")
end

-- Hugging Face guide: (1 - lambda) * CE + lambda * T^2 * KL.
local function hf_loss(T, l)
    return function(batch)
        local x = terms(batch, T)
        return (1 - l) * x.ce + l * T * T * x.kl
    end
end

for _, s in ipairs { { 5, 0.9 }, { 5, 0.5 }, { 2, 0.25 } } do
    local T, l = s[1], s[2]
    check(presets.hf_course { T = T, lambda = l }, hf_loss(T, l),
        string.format("hf_course T=%g lambda=%g", T, l))
end
do
    local c = presets.hf_course {}
    ok(c.T == 5 and c.alpha == 0.9 and c.loss_scale == 1, "hf_course{}: T 5, alpha 0.9, loss_scale 1",
        string.format("got T=%s alpha=%s scale=%s", tostring(c.T), tostring(c.alpha), tostring(c.loss_scale)))
    check(c, hf_loss(5, 0.9), "hf_course defaults")
    c = presets.hf_course()
    ok(c.T == 5 and c.alpha == 0.9, "hf_course() with no table takes the defaults")
end

-- Hinton et al.: a weighted average of CE and T^2 * H(soft targets, student at T). H = KL + the
-- teacher's entropy, a constant in the student: their loss = ours + alpha T^2 H(teacher).
local function hinton_loss(T, alpha)
    return function(batch)
        local x = terms(batch, T)
        local paper = (1 - alpha) * x.ce + alpha * T * T * x.soft_ce
        return paper - alpha * T * T * x.h
    end
end

for _, s in ipairs { { {}, 20, 0.9 }, { { small = true }, 3, 0.9 }, { { T = 8, alpha = 0.7 }, 8, 0.7 },
                     { { small = true, T = 2.5 }, 2.5, 0.9 }, { { small = false }, 20, 0.9 } } do
    local args, T, alpha = s[1], s[2], s[3]
    local c = presets.hinton_mnist(args)
    local label = string.format("hinton_mnist T=%g alpha=%g", T, alpha)
    ok(c.T == T and c.alpha == alpha and c.loss_scale == 1, label .. ": values",
        string.format("got T=%s alpha=%s scale=%s", tostring(c.T), tostring(c.alpha), tostring(c.loss_scale)))
    check(c, hinton_loss(T, alpha), label .. " (paper's loss minus the teacher-entropy constant)")
end

-- Without T^2: alpha * KL + (1 - alpha) * CE.
local function no_t2_loss(T, a)
    return function(batch)
        local x = terms(batch, T)
        return a * x.kl + (1 - a) * x.ce
    end
end

for _, s in ipairs { { 2, 0.5 }, { 4, 0.9 }, { 20, 0.99 }, { 0.5, 0.3 }, { 4, 1 }, { 4, 0 } } do
    local T, a = s[1], s[2]
    check(presets.no_t2 { T = T, alpha = a }, no_t2_loss(T, a),
        string.format("no_t2 T=%g alpha=%g", T, a))
end
do
    -- By hand: T = 2, alpha = 0.5 -> alpha' = 0.5 / (0.5 + 0.5 * 4) = 0.2, scale = 0.5 + 0.5 / 4.
    local c = presets.no_t2 { T = 2, alpha = 0.5 }
    near(c.alpha, 0.2, "no_t2 T=2 alpha=0.5: alpha 0.2")
    near(c.loss_scale, 0.625, "no_t2 T=2 alpha=0.5: loss_scale 0.625")
    -- (1 - alpha') / (alpha' T^2) = (1 - alpha) / alpha
    c = presets.no_t2 { T = 4, alpha = 0.9 }
    near((1 - c.alpha) / (c.alpha * 16), 0.1 / 0.9, "no_t2 T=4 alpha=0.9: the CE : soft ratio is kept")
    c = presets.no_t2 { T = 4, alpha = 1 }
    ok(c.alpha == 1 and c.loss_scale == 1 / 16, "no_t2 alpha=1: alpha 1, loss_scale 1/T^2")
end

-- Bad arguments: the message, and a "file:line:" prefix naming this file's line (level 2).
raises(function() presets.torchdistill(4) end, here(), "presets.torchdistill: expected a table like {T = 4, alpha = 0.1}, got number", "torchdistill needs a table")
raises(function() presets.torchdistill { T = 4 } end, here(), "presets.torchdistill: 'alpha' must be a number, got nil", "torchdistill needs alpha")
raises(function() presets.torchdistill { alpha = 0.1 } end, here(), "presets.torchdistill: 'T' must be a number, got nil", "torchdistill needs T")
raises(function() presets.torchdistill { T = 0, alpha = 0.1 } end, here(), "presets.torchdistill: 'T' must be > 0, got 0", "torchdistill rejects T = 0")
raises(function() presets.torchdistill { T = 4, alpha = 1.5 } end, here(), "presets.torchdistill: 'alpha' must be in [0, 1], got 1.5", "torchdistill rejects alpha > 1 without beta")
raises(function() presets.torchdistill { T = 4, alpha = 0.5, beta = -1 } end, here(), "presets.torchdistill: 'beta' must be >= 0, got -1", "torchdistill rejects a negative beta")
raises(function() presets.torchdistill { T = 4, alpah = 0.1 } end, here(), "presets.torchdistill: unknown parameter 'alpah' (accepted: T, alpha, beta)", "torchdistill rejects a typo")
raises(function() presets.repdistiller { gamma = 0.1 } end, here(), "presets.repdistiller: 'alpha' must be a number, got nil", "repdistiller needs alpha")
raises(function() presets.repdistiller { gamma = 0, alpha = 0 } end, here(), "presets.repdistiller: 'gamma' + 'alpha' must be > 0", "repdistiller rejects all-zero weights")
raises(function() presets.repdistiller { alpha = 0.9, beta = 1 } end, here(), "only beta = 0 (--distill kd) translates", "repdistiller rejects a feature-loss beta")
raises(function() presets.repdistiller { alpha = -0.9 } end, here(), "presets.repdistiller: 'alpha' must be >= 0, got -0.9", "repdistiller rejects a negative alpha")
raises(function() presets.hf_course { lamda = 0.9 } end, here(), "presets.hf_course: unknown parameter 'lamda' (accepted: T, lambda)", "hf_course rejects a typo")
raises(function() presets.hf_course { lambda = 2 } end, here(), "presets.hf_course: 'lambda' must be in [0, 1], got 2", "hf_course rejects lambda > 1")
raises(function() presets.hinton_mnist { T = "20" } end, here(), "presets.hinton_mnist: 'T' must be a number, got string", "hinton_mnist rejects a string T")
raises(function() presets.hinton_mnist { small = 1 } end, here(), "presets.hinton_mnist: 'small' must be a boolean, got number", "hinton_mnist rejects a numeric 'small'")
raises(function() presets.no_t2 { T = 4 } end, here(), "presets.no_t2: 'alpha' must be a number, got nil", "no_t2 needs alpha")
raises(function() presets.no_t2 { T = -1, alpha = 0.5 } end, here(), "presets.no_t2: 'T' must be > 0, got -1", "no_t2 rejects a negative T")
raises(function() presets.no_t2 { T = 0 / 0, alpha = 0.5 } end, here(), "presets.no_t2: 'T' must be finite", "no_t2 rejects NaN")

done()

-- Tests of distillery.schedule, as TAP on stdout; an error at the end when any test failed.
--
--     LUA_PATH='lua/?.lua;;' lua5.4 tests/lua/test_schedule.lua
--     src/distillery --run tests/lua/test_schedule.lua
--
-- Expected values are closed forms worked out by hand (cos(pi/4) = sqrt(2)/2, ...), not the
-- module's formulas again. Runs in the script sandbox: base, string, math only.

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

local s = require "distillery.schedule"
local sqrt2, sqrt3 = math.sqrt(2), math.sqrt(3)

-- Each case: a schedule, its describe string, and {p, value} pairs (always -1, 0, 0.25, 0.5, 1, 2).
local cases = {
    { s.constant(0.7), "constant(0.7)",
      { { -1, 0.7 }, { 0, 0.7 }, { 0.25, 0.7 }, { 0.5, 0.7 }, { 1, 0.7 }, { 2, 0.7 } } },
    { s.linear(2, 10), "linear(2 -> 10)",
      { { -1, 2 }, { 0, 2 }, { 0.25, 4 }, { 0.5, 6 }, { 1, 10 }, { 2, 10 } } },
    { s.linear(1e-3, 0), "linear(0.001 -> 0)",
      { { -1, 1e-3 }, { 0, 1e-3 }, { 0.25, 7.5e-4 }, { 0.5, 5e-4 }, { 1, 0 }, { 2, 0 } } },
    -- 8 - 6 * (1 - sqrt2/2) / 2 = 5 + 1.5 sqrt2
    { s.cosine(8, 2), "cosine(8 -> 2)",
      { { -1, 8 }, { 0, 8 }, { 0.25, 5 + 1.5 * sqrt2 }, { 0.5, 5 }, { 1, 2 }, { 2, 2 } } },
    { s.cosine(0, 1), "cosine(0 -> 1)",
      { { -1, 0 }, { 0, 0 }, { 0.25, 0.5 - sqrt2 / 4 }, { 0.5, 0.5 }, { 1, 1 }, { 2, 1 } } },
    { s.exponential(1, 16), "exponential(1 -> 16)",
      { { -1, 1 }, { 0, 1 }, { 0.25, 2 }, { 0.5, 4 }, { 1, 16 }, { 2, 16 } } },
    -- 0.1 * 0.01^0.25 = 0.1 * sqrt(0.1)
    { s.exponential(0.1, 0.001), "exponential(0.1 -> 0.001)",
      { { -1, 0.1 }, { 0, 0.1 }, { 0.25, 0.1 * math.sqrt(0.1) }, { 0.5, 0.01 }, { 1, 0.001 },
        { 2, 0.001 } } },
    { s.exponential(3, 7), "exponential(3 -> 7)",
      { { -1, 3 }, { 0, 3 }, { 0.5, math.sqrt(21) }, { 1, 7 }, { 2, 7 } } },
    { s.step { { 0, 8 }, { 0.5, 4 }, { 0.8, 2 } }, "step(0: 8, 0.5: 4, 0.8: 2)",
      { { -1, 8 }, { 0, 8 }, { 0.25, 8 }, { 0.49, 8 }, { 0.5, 4 }, { 0.79, 4 }, { 0.8, 2 }, { 1, 2 },
        { 2, 2 } } },
    { s.step { { 0, 3 } }, "step(0: 3)",
      { { -1, 3 }, { 0, 3 }, { 0.25, 3 }, { 0.5, 3 }, { 1, 3 }, { 2, 3 } } },
    { s.step { { 0, 1 }, { 1, 5 } }, "step(0: 1, 1: 5)",
      { { -1, 1 }, { 0, 1 }, { 0.25, 1 }, { 0.5, 1 }, { 0.999, 1 }, { 1, 5 }, { 2, 5 } } },
    { s.warmup(1e-3, 0.5), "warmup(0 -> 0.001 over 50%)",
      { { -1, 0 }, { 0, 0 }, { 0.25, 5e-4 }, { 0.5, 1e-3 }, { 1, 1e-3 }, { 2, 1e-3 } } },
    -- after the ramp, q = (p - 0.2) / 0.8 on linear(1 -> 0): p = 0.25 -> q = 1/16, p = 0.5 -> 3/8
    { s.warmup(1, 0.2, s.linear(1, 0)), "warmup(0 -> 1 over 20%, then linear(1 -> 0))",
      { { -1, 0 }, { 0, 0 }, { 0.1, 0.5 }, { 0.2, 1 }, { 0.25, 0.9375 }, { 0.5, 0.625 }, { 1, 0 },
        { 2, 0 } } },
    -- q = (p - 0.25) / 0.75: p = 0.5 -> 1/3, cos(pi/3) = 1/2, w = 1/4 -> 1 - 0.75 * 0.25
    { s.warmup { peak = 1, fraction = 0.25, after = s.cosine(1, 0) },
      "warmup(0 -> 1 over 25%, then cosine(1 -> 0))",
      { { -1, 0 }, { 0, 0 }, { 0.125, 0.5 }, { 0.25, 1 }, { 0.5, 0.75 }, { 1, 0 }, { 2, 0 } } },
    { s.warmup { peak = 4, fraction = 0.25, start = 2 }, "warmup(2 -> 4 over 25%)",
      { { -1, 2 }, { 0, 2 }, { 0.125, 3 }, { 0.25, 4 }, { 0.5, 4 }, { 1, 4 }, { 2, 4 } } },
    { s.warmup(3, 0), "warmup(0 -> 3 over 0%)",
      { { -1, 3 }, { 0, 3 }, { 0.25, 3 }, { 0.5, 3 }, { 1, 3 }, { 2, 3 } } },
    { s.warmup(2, 1), "warmup(0 -> 2 over 100%)",
      { { -1, 0 }, { 0, 0 }, { 0.25, 0.5 }, { 0.5, 1 }, { 1, 2 }, { 2, 2 } } },
    -- 8 - 7 * (1 - sqrt2/2) / 2 = 4.5 + 1.75 sqrt2
    { s.anneal(8), "anneal(8 -> 1, cosine)",
      { { -1, 8 }, { 0, 8 }, { 0.25, 4.5 + 1.75 * sqrt2 }, { 0.5, 4.5 }, { 1, 1 }, { 2, 1 } } },
    -- w = (1 - cos(pi p)) / 2: (1 - sqrt3/2) / 2 at p = 1/6, (1 - sqrt2/2) / 2 at p = 1/4
    { s.anneal(10, 2), "anneal(10 -> 2, cosine)",
      { { -1, 10 }, { 0, 10 }, { 1 / 6, 10 - 8 * (1 - sqrt3 / 2) / 2 }, { 0.25, 6 + 4 * sqrt2 / 2 },
        { 0.5, 6 }, { 1, 2 }, { 2, 2 } } },
}

for _, c in ipairs(cases) do
    local f, name, points = c[1], c[2], c[3]
    ok(s.is_schedule(f), name .. " is a schedule")
    ok(f.describe == name, name .. ": describe", "got " .. tostring(f.describe))
    ok(tostring(f) == name, name .. ": tostring", "got " .. tostring(f))
    for _, pv in ipairs(points) do
        local p, want = pv[1], pv[2]
        local at = string.format("%s at p=%g", name, p)
        near(f(p), want, at .. ", called with a number")
        near(f { progress = p, epoch = 2, step = 10, phase = "distil", epochs = 5, steps = 100,
                 metrics = {} }, want, at .. ", called with a ctx table")
        near(f:at(p), want, at .. ", via :at")
    end
end

-- Direction over a fine grid: +1 never decreasing, -1 never increasing.
local function monotone(f, dir)
    local prev = f:at(0)
    for i = 1, 200 do
        local v = f:at(i / 200)
        if (v - prev) * dir < 0 then return false, string.format("at p=%g: %.17g then %.17g",
                i / 200, prev, v) end
        prev = v
    end
    return true
end

local shapes = {
    { s.linear(2, 10), 1 }, { s.linear(1e-3, 0), -1 }, { s.cosine(8, 2), -1 },
    { s.cosine(0, 1), 1 }, { s.exponential(1, 16), 1 }, { s.exponential(0.1, 0.001), -1 },
    { s.step { { 0, 8 }, { 0.5, 4 }, { 0.8, 2 } }, -1 }, { s.warmup(1e-3, 0.1), 1 },
    { s.warmup { peak = 4, fraction = 0.3, start = 2 }, 1 }, { s.anneal(8), -1 },
    { s.anneal(20, 3), -1 },
}
for _, sh in ipairs(shapes) do
    local good, why = monotone(sh[1], sh[2])
    ok(good, sh[1].describe .. (sh[2] > 0 and " never decreases" or " never increases"), why)
end

-- A warmup then a decay: up to the peak, then down.
do
    local f = s.warmup(1e-3, 0.1, s.cosine(1e-3, 0))
    local up = true
    for i = 1, 20 do if f:at(i / 200) < f:at((i - 1) / 200) then up = false end end
    local down = true
    for i = 21, 200 do if f:at(i / 200) > f:at((i - 1) / 200) then down = false end end
    ok(up and down, "warmup then cosine rises to the peak, then falls")
    near(f:at(0.1), 1e-3, "warmup then cosine: no jump at the end of the ramp")
end

-- Evaluation helpers.
do
    local f = s.cosine(8, 2)
    local g = f:as_function()
    ok(type(g) == "function", "as_function gives a function")
    near(g { progress = 0.5 }, 5, "as_function evaluates at ctx.progress")
    ok(not s.is_schedule(5) and not s.is_schedule({}) and not s.is_schedule(print),
        "is_schedule is false for other values")
    -- step copies its breakpoints: the script's table changing later changes nothing.
    local bps = { { 0, 8 }, { 0.5, 4 } }
    local st = s.step(bps)
    bps[2][2] = 100
    near(st:at(0.75), 4, "step keeps its own copy of the breakpoints")
end

-- Bad arguments: the message, and a "file:line:" prefix naming this file's line (level 2).
raises(function() s.cosine("8", 2) end, here(), "schedule.cosine: 'from' must be a number, got string", "cosine rejects a string 'from'")
raises(function() s.cosine(8) end, here(), "schedule.cosine: 'to' must be a number, got nil", "cosine needs 'to'")
raises(function() s.linear(0 / 0, 1) end, here(), "schedule.linear: 'from' must be finite", "linear rejects NaN")
raises(function() s.linear(1, math.huge) end, here(), "schedule.linear: 'to' must be finite, got inf", "linear rejects inf")
raises(function() s.constant({}) end, here(), "schedule.constant: 'value' must be a number, got table", "constant rejects a table")
raises(function() s.exponential(0, 1) end, here(), "schedule.exponential: 'from' must be > 0, got 0", "exponential rejects from = 0")
raises(function() s.exponential(1, -2) end, here(), "schedule.exponential: 'to' must be > 0, got -2", "exponential rejects a negative 'to'")
raises(function() s.step(5) end, here(), "schedule.step: expected a list of {start, value} pairs", "step rejects a number")
raises(function() s.step {} end, here(), "schedule.step: needs at least one {start, value} pair", "step rejects an empty list")
raises(function() s.step { 3 } end, here(), "schedule.step: breakpoint 1 must be a {start, value} pair, got number", "step rejects a bare number")
raises(function() s.step { { 0.1, 8 } } end, here(), "schedule.step: the first breakpoint must start at 0", "step needs a first start of 0")
raises(function() s.step { { 0, 8 }, { 0.8, 2 }, { 0.5, 4 } } end, here(), "schedule.step: starts must be strictly ascending: breakpoint 3 starts at 0.5, after 0.8", "step rejects unsorted breakpoints")
raises(function() s.step { { 0, 8 }, { 0, 4 } } end, here(), "strictly ascending", "step rejects a repeated start")
raises(function() s.step { { 0, 8 }, { 1.5, 2 } } end, here(), "schedule.step: breakpoint 2: start must be a number in [0, 1], got 1.5", "step rejects a start past 1")
raises(function() s.step { { 0, "x" } } end, here(), "schedule.step: breakpoint 1: value must be a finite number, got string", "step rejects a string value")
raises(function() s.warmup(1, 1.5) end, here(), "schedule.warmup: 'fraction' must be in [0, 1], got 1.5", "warmup rejects a fraction past 1")
raises(function() s.warmup(1) end, here(), "schedule.warmup: 'fraction' must be a number, got nil", "warmup needs a fraction")
raises(function() s.warmup(1, 0.1, 5) end, here(), "schedule.warmup: 'after' must be a schedule", "warmup rejects a number for 'after'")
raises(function() s.warmup(1, 0.1, function() return 1 end) end, here(), "'after' must be a schedule such as s.cosine(1e-3, 0), got function", "warmup rejects a plain function for 'after'")
raises(function() s.warmup(1, 1, s.constant(1)) end, here(), "schedule.warmup: 'after' never runs when 'fraction' is 1", "warmup rejects an unreachable 'after'")
raises(function() s.warmup { peak = 1, frac = 0.1 } end, here(), "schedule.warmup: unknown option 'frac'", "warmup rejects an unknown option")
raises(function() s.warmup { peak = 1, fraction = 0.1, start = "0" } end, here(), "schedule.warmup: 'start' must be a number, got string", "warmup rejects a string start")
raises(function() s.anneal(2, 8) end, here(), "schedule.anneal: 'from' (2) must be >= 'to' (8)", "anneal rejects a rise")
raises(function() s.anneal(0) end, here(), "schedule.anneal: 'from' must be > 0, got 0", "anneal rejects T = 0")
raises(function() s.anneal(8, -1) end, here(), "schedule.anneal: 'to' must be > 0, got -1", "anneal rejects a negative 'to'")
raises(function() s.anneal() end, here(), "schedule.anneal: 'from' must be a number, got nil", "anneal needs 'from'")

-- Bad evaluation: also reported at the caller's line. (Not `return f(x)`: a tail call leaves no
-- Lua frame to name.)
local f = s.cosine(8, 2)
raises(function() local _ = f("x") end, here(), "schedule cosine(8 -> 2): expected a ctx table or a progress number; the argument is string", "calling with a string")
raises(function() local _ = f {} end, here(), "ctx.progress is nil", "calling with a ctx without progress")
raises(function() local _ = f { progress = 0 / 0 } end, here(), "ctx.progress is nan", "calling with a NaN progress")
raises(function() local _ = f:at("0.5") end, here(), "schedule cosine(8 -> 2): at(p) needs a progress number, got string", ":at with a string")
raises(function() local _ = f:at(0 / 0) end, here(), "at(p) needs a progress number, got nan", ":at with NaN")

done()

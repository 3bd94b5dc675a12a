-- distillery.schedule: schedules for T, alpha and lr in experiment scripts.
--
-- A schedule is a value of progress p (0..1 through the distillation phase). An experiment field
-- that takes "a number or function(ctx) -> number" also takes a schedule: it is a callable table,
-- evaluated at ctx.progress every training step. p outside [0, 1] is clamped, so a schedule read
-- before or after the distillation phase gives its first or last value.
--
--     local s = require "distillery.schedule"
--
--     s.constant(v)                      v everywhere
--     s.linear(from, to)                 (1 - p) * from + p * to
--     s.cosine(from, to)                 from + (to - from) * (1 - cos(pi p)) / 2
--     s.exponential(from, to)            from * (to / from)^p; from > 0 and to > 0
--     s.step{ {0, v0}, {0.5, v1}, ... }  the value of the last breakpoint whose start <= p; starts
--                                        strictly ascending in [0, 1], the first one at 0
--     s.warmup(peak, fraction [, after])
--     s.warmup{ peak = , fraction = , start = 0, after = nil }
--                                        linear from `start` (0 by default) to `peak` over the
--                                        first `fraction` of progress, then `peak`; or, given
--                                        `after` (a schedule), after:at(q) with the rest of the
--                                        progress rescaled, q = (p - fraction) / (1 - fraction).
--                                        `after` starts where it starts: write
--                                        s.warmup(1e-3, 0.1, s.cosine(1e-3, 0)) for no jump.
--     s.anneal(from [, to])              temperature annealing from `from` down to `to` (1 by
--                                        default) along a cosine: T stays near `from` early, when
--                                        the soft targets carry most, and settles gently on `to`;
--                                        both ends are flat, so the T^2 weight of the soft term
--                                        never jumps. from >= to > 0.
--     s.is_schedule(x)                   true for a value made by this module
--
-- Every schedule f has:
--     f(ctx)  or  f(p)                   the value at ctx.progress, or at the number p
--     f:at(p)                            the value at p (for tests and plots)
--     f.describe, tostring(f)            "cosine(8 -> 2)", for display
--     f:as_function()                    a plain function(ctx), for code that wants a real function
--
-- Bad arguments raise at the caller's line ("exp.lua:9: schedule.cosine: 'from' must be a number,
-- got string"), so the message names the script's line and not this file.
--
-- Only base, string, table and math are used: this file runs in the script sandbox.

local M = {}

local Schedule = {}
Schedule.__index = Schedule

local huge = math.huge

local function fmt(v)
    return string.format("%g", v)
end

local function clamp(p)
    if p < 0 then return 0 end
    if p > 1 then return 1 end
    return p
end

local function is_schedule(x)
    return type(x) == "table" and getmetatable(x) == Schedule
end
M.is_schedule = is_schedule

local function make(describe, at)
    return setmetatable({ describe = describe, _at = at }, Schedule)
end

-- Level 3: the error names the line that called the public function, which called us.
local function check(fname, name, v, positive)
    if type(v) ~= "number" then
        error(string.format("schedule.%s: '%s' must be a number, got %s", fname, name, type(v)), 3)
    end
    if v ~= v or v == huge or v == -huge then
        error(string.format("schedule.%s: '%s' must be finite, got %s", fname, name, fmt(v)), 3)
    end
    if positive and v <= 0 then
        error(string.format("schedule.%s: '%s' must be > 0, got %s", fname, name, fmt(v)), 3)
    end
end

-- Evaluation ------------------------------------------------------------------------------------

function Schedule:__call(x)
    local p = x
    if type(x) == "table" then p = x.progress end
    if type(p) ~= "number" or p ~= p then
        local what = type(x) == "table" and "ctx.progress" or "the argument"
        error(string.format("schedule %s: expected a ctx table or a progress number; %s is %s",
            self.describe, what, type(p) == "number" and "nan" or type(p)), 2)
    end
    return self._at(clamp(p))
end

function Schedule:at(p)
    if type(p) ~= "number" or p ~= p then
        error(string.format("schedule %s: at(p) needs a progress number, got %s", self.describe,
            type(p) == "number" and "nan" or type(p)), 2)
    end
    return self._at(clamp(p))
end

function Schedule:as_function()
    return function(ctx) return self(ctx) end
end

function Schedule:__tostring()
    return self.describe
end

-- Schedules -------------------------------------------------------------------------------------

function M.constant(v)
    check("constant", "value", v)
    return make("constant(" .. fmt(v) .. ")", function() return v end)
end

-- (1 - w) * from + w * to rather than from + (to - from) * w: both ends come out exact.
local function mix(from, to, w)
    return (1 - w) * from + w * to
end

function M.linear(from, to)
    check("linear", "from", from)
    check("linear", "to", to)
    return make("linear(" .. fmt(from) .. " -> " .. fmt(to) .. ")",
        function(p) return mix(from, to, p) end)
end

local function cosine_weight(p)
    return (1 - math.cos(math.pi * p)) / 2
end

function M.cosine(from, to)
    check("cosine", "from", from)
    check("cosine", "to", to)
    return make("cosine(" .. fmt(from) .. " -> " .. fmt(to) .. ")",
        function(p) return mix(from, to, cosine_weight(p)) end)
end

function M.exponential(from, to)
    check("exponential", "from", from, true)
    check("exponential", "to", to, true)
    local ratio = to / from
    return make("exponential(" .. fmt(from) .. " -> " .. fmt(to) .. ")", function(p)
        -- from * ratio may round away from `to`; the ends are the two given values exactly.
        if p >= 1 then return to end
        return from * ratio ^ p
    end)
end

-- For M.step, which calls it directly: level 3 names the script's line.
local function step_error(msg, ...)
    error("schedule.step: " .. string.format(msg, ...), 3)
end

local function show(v)
    return type(v) == "number" and fmt(v) or type(v)
end

function M.step(points)
    if type(points) ~= "table" or is_schedule(points) then
        step_error("expected a list of {start, value} pairs like {{0, 8}, {0.5, 4}}, got %s",
            type(points))
    end
    local n = #points
    if n == 0 then
        step_error("needs at least one {start, value} pair, like {{0, 8}}")
    end
    -- Copied, so changing the script's table later does not change the schedule.
    local starts, values, parts = {}, {}, {}
    for i = 1, n do
        local bp = points[i]
        if type(bp) ~= "table" then
            step_error("breakpoint %d must be a {start, value} pair, got %s", i, type(bp))
        end
        local start, v = bp[1], bp[2]
        if type(start) ~= "number" or not (start >= 0 and start <= 1) then
            step_error("breakpoint %d: start must be a number in [0, 1], got %s", i, show(start))
        end
        if type(v) ~= "number" or v ~= v or v == huge or v == -huge then
            step_error("breakpoint %d: value must be a finite number, got %s", i, show(v))
        end
        if i == 1 and start ~= 0 then
            step_error("the first breakpoint must start at 0, so every progress has a value; "
                .. "got %s", fmt(start))
        end
        if i > 1 and start <= starts[i - 1] then
            step_error("starts must be strictly ascending: breakpoint %d starts at %s, after %s",
                i, fmt(start), fmt(starts[i - 1]))
        end
        starts[i], values[i] = start, v
        parts[i] = fmt(start) .. ": " .. fmt(v)
    end
    return make("step(" .. table.concat(parts, ", ") .. ")", function(p)
        local v = values[1]
        for i = 2, n do
            if starts[i] > p then break end
            v = values[i]
        end
        return v
    end)
end

local warmup_options = { peak = true, fraction = true, start = true, after = true }

function M.warmup(peak, fraction, after)
    local start = 0
    if type(peak) == "table" and not is_schedule(peak) then
        local opts = peak
        for k in pairs(opts) do
            if not warmup_options[k] then
                error("schedule.warmup: unknown option '" .. tostring(k)
                    .. "' (options: peak, fraction, start, after)", 2)
            end
        end
        peak, fraction, after, start = opts.peak, opts.fraction, opts.after, opts.start
        if start == nil then start = 0 end
    end
    check("warmup", "peak", peak)
    check("warmup", "fraction", fraction)
    check("warmup", "start", start)
    if fraction < 0 or fraction > 1 then
        error("schedule.warmup: 'fraction' must be in [0, 1], got " .. fmt(fraction), 2)
    end
    if after ~= nil and not is_schedule(after) then
        error("schedule.warmup: 'after' must be a schedule such as s.cosine(1e-3, 0), got "
            .. type(after), 2)
    end
    if after ~= nil and fraction == 1 then
        error("schedule.warmup: 'after' never runs when 'fraction' is 1", 2)
    end

    local describe = string.format("warmup(%s -> %s over %s%%", fmt(start), fmt(peak),
        fmt(fraction * 100))
    if after then describe = describe .. ", then " .. after.describe end
    describe = describe .. ")"

    local after_at = after and after._at
    return make(describe, function(p)
        if p < fraction then
            return mix(start, peak, p / fraction)
        end
        if not after_at then return peak end
        return after_at((p - fraction) / (1 - fraction))
    end)
end

function M.anneal(from, to)
    if to == nil then to = 1 end
    check("anneal", "from", from, true)
    check("anneal", "to", to, true)
    if from < to then
        error(string.format("schedule.anneal: 'from' (%s) must be >= 'to' (%s): annealing "
            .. "lowers T; use s.cosine for a rise", fmt(from), fmt(to)), 2)
    end
    return make("anneal(" .. fmt(from) .. " -> " .. fmt(to) .. ", cosine)",
        function(p) return mix(from, to, cosine_weight(p)) end)
end

return M

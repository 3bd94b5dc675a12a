#!/bin/sh
# test_script: Lua experiment scripts through the real binary. Each sandbox rule, each kind of
# error message (syntax, runtime in a hook, bad type, out-of-range T, unknown field), --set and
# --check, hooks that change the run, and that a script and the equivalent flags write identical
# metrics for one seed. TAP output.
: "${top_builddir:=.}" "${top_srcdir:=.}"
bin="$top_builddir/src/distillery"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/distillery-script.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export DISTILLERY_CACHE="$tmp/cache"
. "${top_srcdir:-.}/tests/tap.sh"

# script NAME: write stdin to $tmp/NAME.lua
script() { cat >"$tmp/$1.lua"; }

# expect STATUS PATTERN DESCRIPTION -- ARGS...: exit status and a message matching PATTERN
expect() {
    want=$1 pattern=$2 what=$3
    shift 4
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" = "$want" ] && cat "$tmp/out" "$tmp/err" | grep -q -- "$pattern"; then ok 0 "$what"
    else ok 1 "$what"; echo "# exit $got (want $want), output:"; cat "$tmp/out" "$tmp/err" | sed 's/^/#   /'; fi
}

tiny='data = kd.data.synthetic { ntrain = 1500, ntest = 300 },
  teacher = { model = kd.mlp { 784, 64, 10 }, epochs = 1 },
  student = { model = kd.mlp { 784, 16, 10 }, epochs = 2 },
  no_cache = true, quiet = true,'

# --- errors name file:line ------------------------------------------------------------------
script syntax <<'EOF2'
local kd = require "distillery"
return kd.experiment {
  T = 4
  alpha = 0.5,
}
EOF2
expect 1 "syntax.lua:4: .*expected" "a syntax error names file:line" -- --check "$tmp/syntax.lua"

script field <<'EOF2'
local kd = require "distillery"
return kd.experiment { tempurature = 4 }
EOF2
expect 1 "field.lua:2: kd.experiment: unknown field 'tempurature'" "an unknown field is named with its line" -- --check "$tmp/field.lua"

script type <<'EOF2'
local kd = require "distillery"
return kd.experiment { T = "hot" }
EOF2
expect 1 "type.lua:2: .*T' must be a number or a function of ctx, got a string" "a wrong type says what was expected" -- --check "$tmp/type.lua"

script range <<'EOF2'
local kd = require "distillery"
return kd.experiment { alpha = 1.5 }
EOF2
expect 1 "range.lua:2: kd.experiment: alpha must be in \[0, 1\]" "alpha out of range names the line" -- --check "$tmp/range.lua"

script model <<'EOF2'
local kd = require "distillery"
return kd.experiment { student = kd.mlp { 784, 0, 10 } }
EOF2
expect 1 "model.lua:2: kd.mlp: width 2 must be a whole number >= 1" "a bad model width names the line" -- --check "$tmp/model.lua"

script noexp <<'EOF2'
return 42
EOF2
expect 2 "must return kd.experiment" "a script that returns no experiment is refused" -- --check "$tmp/noexp.lua"
expect 1 "nothere.lua" "a missing script is named" -- --check "$tmp/nothere.lua"

script sched <<'EOF2'
local kd = require "distillery"
return kd.experiment {
  DATA
  T = function(ctx) return 4 - 10 * ctx.progress end,
}
EOF2
sed -i "s/  DATA/$(echo "$tiny" | tr '\n' ' ' | sed 's/[&/]/\\&/g')/" "$tmp/sched.lua"
expect 1 "sched.lua:4: the schedule for T must give a value > 0, got -" "a schedule out of range stops the run at its line" -- --headless "$tmp/sched.lua" --run-dir "$tmp/sched"
grep -q '"status": "failed: .*sched.lua:4' "$tmp/sched/summary.json" 2>/dev/null; ok $? "and summary.json records why"
[ -s "$tmp/sched/metrics.csv" ]; ok $? "and metrics.csv keeps what was done"

script hook <<'EOF2'
local kd = require "distillery"
return kd.experiment {
  DATA
  on_epoch = function(ctx, stats)
    if stats.phase == "distil" then error("boom in epoch " .. ctx.epoch) end
  end,
}
EOF2
sed -i "s/  DATA/$(echo "$tiny" | tr '\n' ' ' | sed 's/[&/]/\\&/g')/" "$tmp/hook.lua"
expect 1 "hook.lua:5: boom in epoch 1" "a runtime error in a hook names file:line" -- --headless "$tmp/hook.lua" --run-dir "$tmp/hook"
grep -q "hook.lua:5: boom" "$tmp/hook/events.log" 2>/dev/null; ok $? "and events.log has it"

script libsched <<'EOF2'
local kd = require "distillery"
local s = require "distillery.schedule"
return kd.experiment {
  DATA
  T = s.linear(4, -4),
}
EOF2
sed -i "s/  DATA/$(echo "$tiny" | tr '\n' ' ' | sed 's/[&/]/\\&/g')/" "$tmp/libsched.lua"
expect 1 "libsched.lua:3: the schedule for T must give a value > 0" "a library schedule's error names the experiment's line" -- --headless "$tmp/libsched.lua" --run-dir "$tmp/libsched"

script decay <<'EOF2'
local kd = require "distillery"
local s = require "distillery.schedule"
return kd.experiment {
  DATA
  lr = s.cosine(2e-3, 0),
  data = kd.data.synthetic { ntrain = 1500, ntest = 300, transfer = 1.0 },
}
EOF2
sed -i "s/  DATA/$(echo "$tiny" | sed 's/data = .*//' | tr '\n' ' ' | sed 's/[&/]/\\&/g')/" "$tmp/decay.lua"
expect 0 "^done:" "an lr decaying to 0 by the end is fine: the last step is before progress 1" -- --headless "$tmp/decay.lua" --run-dir "$tmp/decay"
grep -q '"transfer_fraction": 1,' "$tmp/decay/config.json"; ok $? "transfer = 1.0 is the whole set, not one sample"

script setbad <<'EOF2'
local kd = require "distillery"
return kd.experiment {
  DATA
  on_epoch = function(ctx) ctx:set { T = 0 } end,
}
EOF2
sed -i "s/  DATA/$(echo "$tiny" | tr '\n' ' ' | sed 's/[&/]/\\&/g')/" "$tmp/setbad.lua"
expect 1 "setbad.lua:4: ctx:set: T must be > 0" "ctx:set refuses T = 0 at the hook's line" -- --headless "$tmp/setbad.lua" --run-dir "$tmp/setbad"

script studentlr <<'EOF2'
local kd = require "distillery"
return kd.experiment { student = { model = kd.mlp { 784, 16, 10 }, lr = 5 } }
EOF2
expect 1 "studentlr.lua:2: kd.experiment: student: unknown field 'lr'" "a student's lr is refused, not ignored" -- --check "$tmp/studentlr.lua"

# --- the sandbox ----------------------------------------------------------------------------
for case in "io:io.open('/etc/passwd'):unknown global 'io'" \
            "global:local x = undefined_thing + 1:unknown global 'undefined_thing'" \
            "os:os.execute('true'):field 'execute'" \
            "debug:debug.getinfo(1):unknown global 'debug'" \
            "package:package.path = '':unknown global 'package'" \
            "dofile:dofile('/etc/passwd'):unknown global 'dofile'" \
            "require:require 'io':module 'io' not found" \
            "loop:while true do end:instruction budget exceeded" \
            "memory:local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1e6) .. i end:not enough memory"; do
    name=${case%%:*} rest=${case#*:} code=${rest%%:*} pattern=${rest#*:}
    printf '%s\n' "$code" >"$tmp/sb_$name.lua"
    where="sb_$name.lua:1: .*"
    [ "$name" = memory ] && where="" # the allocator's refusal carries no position
    expect 1 "$where$pattern" "sandbox: $name is refused ($pattern)" -- --run "$tmp/sb_$name.lua"
done
printf 'local f = load(string.dump(function() return 1 end))\nprint(f == nil and "refused" or "loaded")\n' >"$tmp/binary.lua"
expect 0 "^refused" "sandbox: load refuses binary chunks" -- --run "$tmp/binary.lua"
printf 'print(os.time() > 0, type(os.clock()))\n' >"$tmp/ostime.lua"
expect 0 "^true	number" "sandbox: os.time and os.clock remain" -- --run "$tmp/ostime.lua"
printf 'io.write("unsafe ok\\n")\n' >"$tmp/unsafe.lua"
expect 0 "unsafe ok" "--unsafe-lua lifts the sandbox" -- --run --unsafe-lua "$tmp/unsafe.lua"
mkdir -p "$tmp/other"
printf 'return 1\n' >"$tmp/other/helper.lua"
printf 'local h = require "helper"\n' >"$tmp/other/main.lua"
expect 1 "module 'helper' not found" "a script's own folder is not a search path" -- --run "$tmp/other/main.lua"
printf 'local s = require "distillery.schedule"\nprint(s.cosine(8, 2):at(1))\n' >"$tmp/req.lua"
expect 0 "^2" "require finds the distillery modules" -- --run "$tmp/req.lua"

# --- --set and --check ----------------------------------------------------------------------
script base <<'EOF2'
local kd = require "distillery"
return kd.experiment {
  DATA
  T = 3, alpha = 0.5,
}
EOF2
sed -i "s/  DATA/$(echo "$tiny" | tr '\n' ' ' | sed 's/[&/]/\\&/g')/" "$tmp/base.lua"
expect 0 "base.lua: ok: experiment 'base', teacher 784-64-10, student 784-16-10, T 3, alpha 0.5" "--check validates without training" -- --check "$tmp/base.lua"
[ ! -d runs/base-* ] 2>/dev/null; ok $? "and writes no run directory"
expect 0 "T 6, alpha 0.25" "--set overrides fields, converted to their type" -- --check "$tmp/base.lua" --set T=6 --set alpha=0.25
expect 0 "student 784-8-10" "--set takes a flag's name with _ or -" -- --check "$tmp/base.lua" --set student=784-8-10 --set teacher_epochs=2
expect 2 "unknown key 'tempo'" "--set refuses an unknown key" -- --check "$tmp/base.lua" --set tempo=1
expect 2 "--T: expected a number, found 'warm'" "--set refuses a value of the wrong type" -- --check "$tmp/base.lua" --set T=warm
expect 0 "T 5," "a flag overrides the script too" -- --check "$tmp/base.lua" --T 5
expect 2 "no-cache is a switch: yes or no, found 'maybe'" "--set on a switch takes yes or no" -- --check "$tmp/base.lua" --set no_cache=maybe

# --- a script and the same flags give the same numbers ----------------------------------------
"$bin" --headless "$tmp/base.lua" --run-dir "$tmp/by_script" >/dev/null 2>&1
ok $? "a scripted run finishes"
"$bin" --headless --data synthetic --synthetic-train 1500 --synthetic-test 300 --teacher 784-64-10 \
    --teacher-epochs 1 --student 784-16-10 --epochs 2 --no-cache --quiet --T 3 --alpha 0.5 --name base \
    --run-dir "$tmp/by_flags" >/dev/null 2>&1
cmp -s "$tmp/by_script/metrics.csv" "$tmp/by_flags/metrics.csv"; ok $? "a script and the equivalent flags write identical metrics"

# --- hooks change the run -------------------------------------------------------------------
script hooks <<'EOF2'
local kd = require "distillery"
return kd.experiment {
  DATA
  on_start = function(ctx) print("starting in phase " .. ctx.phase) end,
  on_epoch = function(ctx, stats)
    if stats.phase == "distil" and ctx.epoch == 1 then ctx:set { alpha = 0.2, T = 1.5 } end
    if stats.phase == "distil" and ctx.epoch == 2 then ctx:stop() end
  end,
  on_done = function(summary) print("done with " .. summary.status) end,
}
EOF2
sed -i "s/  DATA/$(echo "$tiny" | tr '\n' ' ' | sed 's/[&/]/\\&/g')/" "$tmp/hooks.lua"
sed -i 's/epochs = 2 }/epochs = 5 }/' "$tmp/hooks.lua"
expect 0 "^done:" "a run whose hook stops it ends well" -- --headless "$tmp/hooks.lua" --run-dir "$tmp/hooks"
grep -q "script: starting in phase teacher" "$tmp/hooks/events.log"; ok $? "print() goes to events.log"
grep -q "alpha 0.7 -> 0.2" "$tmp/hooks/events.log" && grep -q "T 2 -> 1.5" "$tmp/hooks/events.log"
ok $? "ctx:set changes are logged as events"
grep -q '^step,distil,student,2,[0-9]*,1.5,0.2,' "$tmp/hooks/metrics.csv"; ok $? "and applied from the next step"
[ "$(grep -c '^eval,distil,student' "$tmp/hooks/metrics.csv")" = 2 ]; ok $? "ctx:stop ends the run after epoch 2 of 5"
grep -q '"status": "stopped by the script"' "$tmp/hooks/summary.json"; ok $? "summary.json says the script stopped it"
grep -q "script: done with stopped by the script" "$tmp/hooks/events.log"; ok $? "on_done sees the outcome"

# --- kd.png from a hook ----------------------------------------------------------------------
script png <<'EOF2'
local kd = require "distillery"
return kd.experiment {
  DATA
  on_done = function(summary)
    print("charts", kd.png { dir = summary.run_dir, width = 800, height = 450 })
    print("missing", kd.png { dir = summary.run_dir .. "/nowhere" })
  end,
}
EOF2
sed -i "s/  DATA/$(echo "$tiny" | tr '\n' ' ' | sed 's/[&/]/\\&/g')/" "$tmp/png.lua"
expect 0 "^done:" "a run whose on_done draws its charts" -- --headless "$tmp/png.lua" --run-dir "$tmp/pngrun"
grep -qF 'script: charts\t2' "$tmp/pngrun/events.log"; ok $? "kd.png returns the number of charts written"
[ -s "$tmp/pngrun/loss.png" ] && [ -s "$tmp/pngrun/accuracy.png" ]; ok $? "and they are in the run directory"
grep -q 'script: missing\\tnil\\t.*nowhere/metrics.csv: cannot read' "$tmp/pngrun/events.log"; ok $? "a missing run gives nil and a message"

# --- a sweep ---------------------------------------------------------------------------------
script sweep <<'EOF2'
local kd = require "distillery"
local base = kd.experiment {
  DATA
}
return kd.sweep { base = base, T = { 1, 4 }, seeds = { 1, 2 } }
EOF2
sed -i "s/  DATA/$(echo "$tiny" | tr '\n' ' ' | sed 's/[&/]/\\&/g')/" "$tmp/sweep.lua"
sed -i 's/no_cache = true, //' "$tmp/sweep.lua"
expect 0 "sweep: .*sweep.csv" "a sweep runs to the end" -- --headless "$tmp/sweep.lua" --runs "$tmp/sweeps"
csv=$(ls "$tmp"/sweeps/sweep-sweep-*/sweep.csv 2>/dev/null | head -1)
[ "$(wc -l <"$csv" 2>/dev/null)" = 3 ]; ok $? "sweep.csv has a row per T (over 2 seeds)"
[ "$(ls -d "$tmp"/sweeps/sweep-sweep-*/run-* | wc -l)" = 4 ]; ok $? "each run has its own directory"
[ "$(grep -l 'teacher reused from the cache' "$tmp"/sweeps/sweep-sweep-*/run-*/events.log | wc -l)" = 3 ]
ok $? "the teacher is trained once and reused"

done_testing

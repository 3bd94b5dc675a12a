#!/bin/sh
# test_screen: the live screen driven through tmux as a user would: the panels appear, keys change
# T and alpha (and the run's log records it), pause stops the step counter, the help overlay lists
# the keys, a small terminal gets a notice and a larger one the layout back, a script error pauses
# the run and shows file:line, the ASCII fallback, and q leaves a complete run directory. TAP.
: "${top_builddir:=.}"
bin=$(cd "$top_builddir/src" && pwd)/distillery
. "${top_srcdir:-.}/tests/tap.sh"
if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux is not installed"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/distillery-screen.XXXXXX")
sock="$tmp/none.sock"
trap 'for s in "$tmp"/*.sock; do tmux -S "$s" kill-server 2>/dev/null; done; rm -rf "$tmp"' EXIT
export DISTILLERY_CACHE="$tmp/cache"

# start NAME LANG ARGS...: the program in a 100x30 tmux window; its exit status goes to NAME.rc
start() {
    name=$1 lang=$2
    shift 2
    printf '#!/bin/sh\ntrap : INT\ncd "%s"\nLANG=%s LC_ALL=%s TERM=xterm-256color "%s" "$@"\necho $? >"%s/%s.rc"\nsleep 60\n' \
        "$tmp" "$lang" "$lang" "$bin" "$tmp" "$name" >"$tmp/$name.sh"
    t kill-server 2>/dev/null
    sock="$tmp/$name.sock" # a server of its own: the last one may still be going away
    t new-session -d -s s -x 100 -y 30 "sh $tmp/$name.sh $*"
}
header_step() { screen | head -1 | sed -n 's/.* step \([0-9]*\) .*/\1/p'; }

long="--data synthetic --synthetic-train 3000 --synthetic-test 500 --teacher 784-64-10 --teacher-epochs 1 \
--student 784-16-10 --epochs 100000 --transfer 100% --run-dir run1"

start main C.UTF-8 $long
wait_for "\[running\]"; ok $? "the screen appears and runs"
wait_for "student@T"; ok $? "the distribution panel shows teacher, student and baseline"
screen | grep -q "teacher@T.*student@T.*baseline@T"; ok $? "the three models side by side"
screen | grep -q "loss by step"; ok $? "the loss chart is there"
screen | grep -q "accuracy"; ok $? "the accuracy chart is there"
screen | grep -q "q quit"; ok $? "the footer lists keys"
screen | grep -q "L = 0.30\*CE + 0.70\*4.0\*KL"; ok $? "the loss formula shows the current weights"
screen | grep -q "[▏▎▍▌▋▊▉█]"; ok $? "bars drawn with block characters in a UTF-8 locale"

# the rest wants the students: wait for the distillation (slow under the sanitizers)
wait_for " distil  epoch" 120; ok $? "the run reaches the distillation"
t send-keys -t s ' '
wait_for "\[paused\]"; ok $? "space pauses"
s1=$(header_step); sleep 0.6; s2=$(header_step)
[ -n "$s1" ] && [ "$s1" = "$s2" ]; ok $? "the step counter stops while paused ($s1, $s2)"
t send-keys -t s 'T'
wait_for "T 2.50"; ok $? "T raises the temperature"
t send-keys -t s 'a'
wait_for "alpha 0.65"; ok $? "a lowers alpha"
wait_for "L = 0.35\*CE + 0.65\*6.2\*KL"; ok $? "and the formula follows"
grep -q "T 2 -> 2.5" "$tmp/run1/events.log"; ok $? "the run's log records the change of T"
grep -q "alpha 0.7 -> 0.65" "$tmp/run1/events.log"; ok $? "and of alpha"
t send-keys -t s 'j'
wait_for "^sample 1 "; ok $? "j selects the next sample"
t send-keys -t s 'd'
wait_for "disagreement #1: sample"; ok $? "d jumps to the biggest disagreement"
d1=$(screen | sed -n 's/.*disagreement #1: sample \([0-9]*\).*/\1/p' | tail -1)
screen | grep -q "^sample $d1 "; ok $? "and shows that sample ($d1)"
t send-keys -t s 'd'
wait_for "disagreement #2: sample"; ok $? "d again goes to the next one"
t send-keys -t s 'w'
wait_for "confidently wrong #1: sample\|gets every test sample right"; ok $? "w jumps to a confidently wrong sample"
t send-keys -t s 'p'
wait_for "3 charts written"; ok $? "p writes the charts"
[ -s "$tmp/run1/sample.png" ] && [ -s "$tmp/run1/loss.png" ]; ok $? "sample.png and loss.png are in the run directory"
t send-keys -t s '?'
wait_for "lower / raise the temperature"; ok $? "? shows the help, listing the keys"
t send-keys -t s 'x'
sleep 0.3
! screen | grep -q "any key closes this"; ok $? "any key closes the help"
t resize-window -t s -x 60 -y 20
wait_for "terminal too small"; ok $? "a 60x20 terminal gets a notice"
t resize-window -t s -x 100 -y 30
wait_for "student@T"; ok $? "100x30 brings the layout back"
t send-keys -t s ' '
wait_for "\[running\]"; ok $? "space resumes"
s1=$(header_step); sleep 0.8; s2=$(header_step)
[ -n "$s1" ] && [ "$s2" -gt "$s1" ] 2>/dev/null; ok $? "and steps go on ($s1 -> $s2)"
t send-keys -t s - - - -
wait_for "speed: 5 steps a second"; ok $? "- slows the run down to 5 steps a second"
sleep 0.5
s1=$(header_step); sleep 2; s2=$(header_step)
[ -n "$s1" ] && [ $((s2 - s1)) -le 25 ] 2>/dev/null; ok $? "and the steps follow ($s1 -> $s2 in 2 s; evaluation steps count too)"
t send-keys -t s + + + +
wait_for "\[running\]"; ok $? "+ brings it back to full speed"
t send-keys -t s 'q'
i=0; while [ ! -f "$tmp/main.rc" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
[ "$(cat "$tmp/main.rc" 2>/dev/null)" = 0 ]; ok $? "q exits with status 0"
grep -q '"status": "stopped"' "$tmp/run1/summary.json" 2>/dev/null; ok $? "the run directory is complete (summary.json)"
[ -s "$tmp/run1/metrics.csv" ]; ok $? "with its metrics"

# a script error pauses the run and shows file:line; the program keeps going
cat >"$tmp/err.lua" <<'EOF2'
local kd = require "distillery"
return kd.experiment {
  data = kd.data.synthetic { ntrain = 1500, ntest = 300, transfer = 1.0 },
  teacher = { model = kd.mlp { 784, 32, 10 }, epochs = 1 }, student = { model = kd.mlp { 784, 8, 10 }, epochs = 5 },
  on_epoch = function(ctx, stats) if stats.phase == "distil" then error("bad hook") end end,
}
EOF2
start err C.UTF-8 err.lua --run-dir run2
wait_for "err.lua:5: bad hook"; ok $? "a script error shows file:line on the screen"
wait_for "\[error\]" 5; ok $? "and the run pauses in an error state"
t send-keys -t s 'q'
i=0; while [ ! -f "$tmp/err.rc" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
grep -q '"status": "failed: .*err.lua:5: bad hook' "$tmp/run2/summary.json" 2>/dev/null; ok $? "summary.json records the script error"

# r reloads the script's hooks, keeping the model and the data
cat >"$tmp/reload.lua" <<'EOF2'
local kd = require "distillery"
return kd.experiment {
  data = kd.data.synthetic { ntrain = 1500, ntest = 300, transfer = 1.0 },
  teacher = { model = kd.mlp { 784, 32, 10 }, epochs = 1 }, student = { model = kd.mlp { 784, 8, 10 }, epochs = 100000 },
  on_epoch = function(ctx, stats) if stats.phase == "distil" then print("hook v1") end end,
}
EOF2
start reload C.UTF-8 reload.lua --run-dir run4
wait_for "script: hook v1"; ok $? "a script's hook prints on the screen"
sed -i 's/hook v1/hook v2/' "$tmp/reload.lua"
t send-keys -t s 'r'
wait_for "script: hook v2"; ok $? "r reloads the hooks while the run goes on"
printf 'return kd.experiment {\n' >"$tmp/reload.lua"
t send-keys -t s 'r'
wait_for "reload failed, the old hooks go on: .*reload.lua"; ok $? "a broken reload is reported with its file"
sleep 0.5
screen | tail -6 | grep -q "script: hook v2"; ok $? "and the old hooks go on"
t send-keys -t s 'q'

# Ctrl-Z gives the terminal back to the shell, fg brings the screen back
if command -v bash >/dev/null 2>&1; then
    t kill-server 2>/dev/null
    sock="$tmp/job.sock"
    t new-session -d -s s -x 100 -y 30 "bash --norc --noprofile -i"
    sleep 0.3
    t send-keys -t s "cd '$tmp' && LANG=C.UTF-8 TERM=xterm-256color '$bin' $long --run-dir run5" Enter
    wait_for "\[running\]"; ok $? "the screen runs from an interactive shell"
    t send-keys -t s C-z
    wait_for "Stopped"; ok $? "Ctrl-Z suspends it and the shell has the terminal"
    t send-keys -t s "fg" Enter
    wait_for "\[running\]"; ok $? "fg brings the screen back"
    t send-keys -t s 'q'
    wait_for "^stopped at "; ok $? "and q still quits cleanly"
    t send-keys -t s "clear" Enter
    t send-keys -t s "cd '$tmp' && LANG=C.UTF-8 TERM=xterm-256color '$bin' $long --run-dir run6" Enter
    wait_for "\[running\]"; ok $? "the screen again"
    for p in /proc/[0-9]*; do # the program's pid, without procps
        tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q "^$bin .*run-dir run6" && kill -SEGV "${p#/proc/}"
    done
    wait_for "Segmentation fault"; ok $? "a crash ends it"
    t send-keys -t s "echo restored-\$((6*7))" Enter
    wait_for "^restored-42"; ok $? "and the terminal is restored: the shell echoes again"
fi

# no UTF-8: ASCII pictures; NO_COLOR respected
start ascii C $long --run-dir run3
wait_for "student@T"; ok $? "the screen comes up in the C locale"
! screen | grep -q "[▏▎▍▌▋▊▉█⠁⡀]"; ok $? "with ASCII pictures only"
t send-keys -t s C-c
i=0; while [ ! -f "$tmp/ascii.rc" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
[ "$(cat "$tmp/ascii.rc" 2>/dev/null)" = 130 ]; ok $? "Ctrl-C ends it with status 130"
wait_for "^stopped at distil"; ok $? "and the terminal is back: the last line is printed in it"
grep -q '"status": "stopped"' "$tmp/run3/summary.json" 2>/dev/null; ok $? "with a complete run directory"

done_testing

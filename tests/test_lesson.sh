#!/bin/sh
# test_lesson: the classroom lesson driven through tmux: the question and the three names appear,
# the T keys change the teacher's bars, the two students train and the soft-label student's rank
# agreement with the teacher beats the hard-label one's, hide/reveal works, q exits cleanly.
: "${top_builddir:=.}" "${top_srcdir:=.}"
bin=$(cd "$top_builddir/src" && pwd)/distillery
lesson=$(cd "$top_srcdir/examples" && pwd)/harry_potter.lua
. "${top_srcdir:-.}/tests/tap.sh"
if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux is not installed"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/distillery-lesson.XXXXXX")
sock="$tmp/tmux.sock"
trap 'for s in "$tmp"/*.sock; do tmux -S "$s" kill-server 2>/dev/null; done; rm -rf "$tmp"' EXIT
# the teacher's probability of an answer, from its row on the right half
teacher_p() { screen | grep "^$1 " | sed -n 's/.* \([0-9]*\.[0-9][0-9]\) *$/\1/p' | sed -n 1p; }

printf '#!/bin/sh\ntrap : INT\nLANG=C.UTF-8 TERM=xterm-256color "%s" "%s"\necho $? >"%s/rc"\nsleep 60\n' \
    "$bin" "$lesson" "$tmp" >"$tmp/run.sh"
t new-session -d -s s -x 100 -y 30 "sh $tmp/run.sh"

wait_for "Who is Harry Potter's rival at Hogwarts?"; ok $? "the question appears"
screen | grep -q "^Ron " && screen | grep -q "^Neville " && screen | grep -q "^Draco "; ok $? "and the three names"
screen | grep -q "Ron         ?"; ok $? "the lesson starts with the teacher's bars hidden (predict, then reveal)"
t send-keys -t s ' '
wait_for "teacher is sure of Draco"; ok $? "space steps the narration and reveals the bars"
wait_for "T 1.00"; ok $? "the narration set T = 1"
t send-keys -t s 'h'
sleep 0.3
t send-keys -t s 'h'
sleep 0.3
before=$(screen | grep "^Ron " | head -1)
t send-keys -t s T T T T T T
wait_for "T 3.81"; ok $? "T raises the temperature"
after=$(screen | grep "^Ron " | head -1)
[ "$before" != "$after" ]; ok $? "and the teacher's bars change with it"
t send-keys -t s ' '
t send-keys -t s ' '
wait_for "after 60 training steps" 15; ok $? "the two students train, visibly"
line=$(screen | grep "bare answer [+-]")
hard=$(echo "$line" | sed -n 's/.*bare answer \([+-][0-9.]*\).*/\1/p')
soft=$(echo "$line" | sed -n 's/.*soft labels \([+-][0-9.]*\).*/\1/p')
echo "# rank agreement: bare answer $hard, soft labels $soft"
awk -v h="$hard" -v s="$soft" 'BEGIN { exit !(s > h) }'; ok $? "the soft-label student's rank agreement exceeds the hard-label one's ($soft > $hard)"
t send-keys -t s 'w'
sleep 1
screen | grep -q "sweeping T"; ok $? "w sweeps the temperature"
t resize-window -t s -x 200 -y 60
sleep 0.5
screen | grep -q "█▀█▀"; ok $? "a projector-sized terminal gets the big layout (labels in the big font)"
t resize-window -t s -x 100 -y 30
sleep 0.3
screen | grep -q "^Neville "; ok $? "and 100x30 the normal one"
t send-keys -t s 'q'
i=0; while [ ! -f "$tmp/rc" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
[ "$(cat "$tmp/rc" 2>/dev/null)" = 0 ]; ok $? "q exits cleanly with status 0"

# the synthetic lesson moves on to real training on the live screen
export DISTILLERY_CACHE="$tmp/cache"
synth=$(cd "$top_srcdir/examples" && pwd)/lesson-synthetic.lua
printf '#!/bin/sh\ntrap : INT\ncd "%s"\nLANG=C.UTF-8 TERM=xterm-256color "%s" "%s"\necho $? >"%s/rc2"\nsleep 60\n' \
    "$tmp" "$bin" "$synth" "$tmp" >"$tmp/run2.sh"
t kill-server 2>/dev/null
sock="$tmp/tmux2.sock"
t new-session -d -s s -x 100 -y 30 "sh $tmp/run2.sh"
wait_for "ring with a faint dot"; ok $? "the synthetic lesson asks its question"
t send-keys -t s 'g'
wait_for "written: lesson-q1-T"; ok $? "g writes the soft labels as a PNG"
ls "$tmp"/lesson-q1-T*.png >/dev/null 2>&1; ok $? "into the current folder"
t send-keys -t s 'c'
sleep 0.3
screen | grep -q "ring+dot"; ok $? "c switches to high contrast and the lesson goes on"
t send-keys -t s ' '
sleep 0.3
t send-keys -t s ' '
wait_for "after 40 training steps" 15; ok $? "its students train"
t send-keys -t s ' '
wait_for "student@T" 60; ok $? "and the lesson moves on to real training on the live screen"
t send-keys -t s 'q'
i=0; while [ ! -f "$tmp/rc2" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
[ "$(cat "$tmp/rc2" 2>/dev/null)" = 0 ]; ok $? "q ends it with status 0"
ls -d "$tmp"/runs/lesson-synthetic-* >/dev/null 2>&1; ok $? "and the run directory is there"

"$bin" "$lesson" </dev/null >"$tmp/out" 2>&1
[ $? = 2 ] && grep -q "is a lesson: it needs a terminal" "$tmp/out"; ok $? "without a terminal a lesson says it needs one"

done_testing

#!/bin/sh
# bench_screen: what the live screen costs the training. The same run (synthetic data, one thread,
# the teacher cached) goes once headless and once on the screen in a tmux window; a script hook
# reads the process's CPU clock when the distillation starts and ends. The screen may cost at
# most 3% of the samples per second.
: "${top_builddir:=.}"
bin=$(cd "$top_builddir/src" && pwd)/distillery
tmp=$(mktemp -d "${TMPDIR:-/tmp}/distillery-bench.XXXXXX")
sock="$tmp/tmux.sock"
trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
export DISTILLERY_CACHE="$tmp/cache"
cat >"$tmp/bench.lua" <<'EOF2'
local kd = require "distillery"
local t0
return kd.experiment {
  data = kd.data.synthetic { ntrain = 12000, ntest = 2000, transfer = 1.0 },
  teacher = { model = kd.mlp { 784, 256, 10 }, epochs = 1 },
  student = { model = kd.mlp { 784, 128, 10 }, epochs = 8 },
  threads = 1, log_every = 50,
  on_phase = function(ctx, name)
    if name == "distil" then t0 = os.clock() end
    if name == "done" then print(string.format("distil cpu %.3f", os.clock() - t0)) end
  end,
}
EOF2
cd "$tmp"
"$bin" --headless bench.lua --run-dir warm >/dev/null 2>&1 # trains and caches the teacher
"$bin" --headless bench.lua --run-dir headless >/dev/null 2>&1
tmux -S "$sock" new-session -d -s b -x 120 -y 40 "TERM=xterm-256color LANG=C.UTF-8 '$bin' bench.lua --run-dir screen"
i=0
while ! grep -q "distil cpu" screen/events.log 2>/dev/null && [ $i -lt 600 ]; do i=$((i + 1)); sleep 0.1; done
tmux -S "$sock" send-keys -t b q
sleep 0.5
h=$(sed -n 's/.*script: distil cpu \([0-9.]*\).*/\1/p' headless/events.log)
s=$(sed -n 's/.*script: distil cpu \([0-9.]*\).*/\1/p' screen/events.log)
samples=$((12000 * 8))
awk -v h="$h" -v s="$s" -v n="$samples" 'BEGIN {
    if (h == "" || s == "") { print "bench_screen: a run did not finish"; exit 1 }
    printf "%-34s %12s %10s\n", "distil 784-128-10 + baseline", "samples/s", "seconds"
    printf "%-34s %12.0f %10.3f\n", "  headless", n / h, h
    printf "%-34s %12.0f %10.3f\n", "  on the screen", n / s, s
    printf "the screen costs %.1f%% (target: at most 3%%)\n", 100 * (s - h) / h
}'

# tap.sh: what the shell tests share, sourced by each: TAP lines, and for the screen tests a tmux
# server of their own and a wait for text to appear on it.
n=0 failed=0

# ok STATUS DESCRIPTION: "ok N - ..." when STATUS is 0, "not ok N - ..." otherwise
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }

# the plan, and the exit status
done_testing() { echo "1..$n"; [ "$failed" = 0 ]; }

# tmux on the server at $sock; the screen of its session "s"
t() { tmux -S "$sock" "$@"; }
screen() { t capture-pane -t s -p; }

# wait_for PATTERN [SECONDS]: until the screen shows PATTERN (20 s by default)
wait_for() {
    i=0
    while ! screen | grep -q -- "$1"; do
        i=$((i + 1)); [ $i -gt $((${2:-20} * 10)) ] && return 1; sleep 0.1
    done
}

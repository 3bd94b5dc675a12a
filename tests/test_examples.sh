#!/bin/sh
# test_examples: every examples/*.lua, found by a glob so that a new example is tested without
# touching this file. An experiment or a sweep must pass --check as written, then run headless to
# the end with its epochs cut down (and a small teacher) and leave summary.json, or sweep.csv for
# a sweep. A script whose comments say to run it with `distillery --run` is run that way and must
# exit 0 with some output. Fashion-MNIST examples use the real data where it is installed and the
# synthetic set otherwise. Every run goes to a temporary folder. TAP output.
: "${top_builddir:=.}" "${top_srcdir:=.}"
bin="$top_builddir/src/distillery"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/distillery-examples.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export DISTILLERY_CACHE="$tmp/cache"
. "${top_srcdir:-.}/tests/tap.sh"

# show FILE: a failed command's output, as TAP diagnostics
show() { sed 's/^/#   /' "$1"; }

# What makes a run short: one epoch each, a small teacher, no progress lines. The teacher is cached
# in $tmp, so the examples that share it (and every run of a sweep) train it once.
short="--set epochs=1 --set teacher_epochs=1 --set teacher=784-32-10 --set quiet=yes"

fashion=/usr/share/datasets/fashion-mnist
if [ -d "$fashion" ]; then
    echo "# Fashion-MNIST is in $fashion: its examples run on it"
    nodata=""
else
    echo "# no Fashion-MNIST in $fashion: its examples run with --set data=synthetic instead"
    nodata="--set data=synthetic"
fi

for f in "$top_srcdir"/examples/*.lua; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .lua)
    out="$tmp/$name.out"

    # a lesson or exploration script: run for its own output
    if grep -q -- 'distillery --run' "$f"; then
        "$bin" --run "$f" >"$out" 2>&1
        st=$?
        if [ $st = 0 ] && [ -s "$out" ]; then ok 0 "$name: --run prints its output"
        else ok 1 "$name: --run prints its output"; echo "# exit $st"; show "$out"; fi
        continue
    fi

    # an experiment or a sweep: valid as written
    "$bin" --check "$f" >"$out" 2>&1
    st=$?
    if [ $st = 0 ] && grep -q ": ok: " "$out"; then ok 0 "$name: --check"
    else ok 1 "$name: --check"; echo "# exit $st"; show "$out"; continue; fi
    # a lesson runs on the screen only: tests/test_lesson.sh drives one through tmux
    grep -q ": ok: lesson " "$out" && continue
    kind=experiment
    grep -q ": ok: sweep " "$out" && kind=sweep

    data=""
    if [ -n "$nodata" ] && grep -q 'fashion_mnist' "$f"; then
        data=$nodata
        echo "# $name: Fashion-MNIST is absent, running it with $data"
    fi
    runs="$tmp/runs/$name"
    # shellcheck disable=SC2086 # $short and $data are lists of arguments
    "$bin" --headless "$f" $short $data --runs "$runs" >"$out" 2>&1
    st=$?
    if [ $st = 0 ]; then ok 0 "$name: a short run exits 0"
    else ok 1 "$name: a short run exits 0"; echo "# exit $st"; show "$out"; continue; fi

    if [ $kind = sweep ]; then
        csv=$(ls "$runs"/*-sweep-*/sweep.csv 2>/dev/null | head -1)
        rows=$(grep -c '' "$csv" 2>/dev/null)
        [ -n "$csv" ] && [ "${rows:-0}" -ge 2 ]
        ok $? "$name: the sweep leaves sweep.csv with a row per setting"
        # the third column counts the runs of that setting that finished
        [ -n "$csv" ] && awk -F, 'NR > 1 && $3 < 1 { bad = 1 } END { exit bad }' "$csv"
        ok $? "$name: every setting of the sweep has runs that finished"
    else
        summary=$(ls "$runs"/*/summary.json 2>/dev/null | head -1)
        [ -n "$summary" ] && grep -q '"status": "done"' "$summary"
        ok $? "$name: the run leaves summary.json, status done"
    fi
done

[ $n -gt 0 ]; ok $? "examples were found in $top_srcdir/examples"

done_testing

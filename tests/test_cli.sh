#!/bin/sh
# test_cli: the command line as a user meets it: --help and --version, a clear message and a
# non-zero exit for every kind of bad input, a headless run that leaves a complete run directory,
# identical metrics for one seed, and a clean stop on SIGTERM. TAP output.
: "${top_builddir:=.}"
bin="$top_builddir/src/distillery"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/distillery-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "${top_srcdir:-.}/tests/tap.sh"

# expect STATUS PATTERN DESCRIPTION -- ARGS...: exit status and a message matching PATTERN on stderr
expect() {
    want=$1 pattern=$2 what=$3
    shift 4
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" = "$want" ] && grep -q -- "$pattern" "$tmp/err"; then ok 0 "$what"
    else ok 1 "$what"; echo "# exit $got (want $want), stderr:"; sed 's/^/#   /' "$tmp/err"; fi
}

tiny="--headless --data synthetic --synthetic-train 1500 --synthetic-test 300 --teacher 784-64-10 \
--student 784-16-10 --teacher-epochs 1 --epochs 2 --no-cache --quiet"

"$bin" --help >"$tmp/help"; ok $? "--help exits 0"
missing=""
for f in headless data teacher student T alpha epochs teacher-epochs batch lr optim seed transfer \
         omit labeled baseline threads run-dir quiet help version; do
    grep -q -- "--$f[ =]\|--$f\$" "$tmp/help" || missing="$missing $f"
done
ok "$( [ -z "$missing" ]; echo $?)" "--help lists every flag${missing:+ (missing:$missing)}"
grep -q "\[2\]" "$tmp/help"; ok $? "--help shows defaults"
readme="${top_srcdir:-.}/README.md"
undocumented=""
for f in $(sed -n 's/^  --\([a-z-]*\).*/\1/p' "$tmp/help"); do
    grep -q -- "\`--$f[\` ]" "$readme" || undocumented="$undocumented $f"
done
ok "$( [ -z "$undocumented" ]; echo $?)" "README documents every flag${undocumented:+ (missing:$undocumented)}"
"$bin" --version | grep -q "^distillery [0-9]"; ok $? "--version prints the version"

expect 2 "unknown option '--bogus'" "an unknown flag is refused" -- --bogus
expect 2 "--T: expected a number, found 'abc'" "a non-number T is refused" -- --T abc
expect 2 "T must be a number > 0" "T = 0 is refused" -- --T 0
expect 2 "alpha must be in \[0, 1\]" "alpha = 2 is refused" -- --alpha 2
expect 2 "--epochs: expected a whole number" "a fractional epoch count is refused" -- --epochs 1.5
expect 2 "--teacher: bad model" "a malformed model is refused" -- --teacher 784-x-10
expect 2 "--transfer" "a zero transfer set is refused" -- --transfer 0
expect 2 "--optim: expected adam or sgd" "an unknown optimizer is refused" -- --optim rmsprop
expect 2 "needs a value" "a flag without its value is refused" -- --T
expect 1 "/nonexistent" "a missing data folder is named" -- --headless --data /nonexistent --quiet
expect 1 "class" "an omitted class that does not exist is refused" -- $tiny --omit 42
expect 1 "model takes" "a model that does not fit the data is refused" -- $tiny --teacher 100-10
expect 1 "labeled\|labelled" "more labelled samples than the transfer set is refused" -- $tiny --transfer 100 --labeled 500

mkdir "$tmp/bad"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    printf 'not an idx file at all' >"$tmp/bad/$f"
done
expect 1 "idx[13]-ubyte: .*magic" "a corrupt data file is named" -- --headless --data "$tmp/bad" --quiet
printf 'DSTLCKPT garbage' >"$tmp/bad.ckpt"
expect 1 "bad.ckpt" "a corrupt teacher checkpoint is named" -- $tiny --load-teacher "$tmp/bad.ckpt"

# a complete run directory
"$bin" $tiny --run-dir "$tmp/run1" >"$tmp/out" 2>"$tmp/err"
ok $? "a headless synthetic run exits 0"
for f in config.json metrics.csv metrics.jsonl events.log summary.json teacher.ckpt student.ckpt baseline.ckpt; do
    [ -s "$tmp/run1/$f" ]; ok $? "the run directory holds $f"
done
head -1 "$tmp/run1/metrics.csv" | grep -q "^kind,phase,model,epoch,step,T,alpha,lr,ce,kl,t2kl,loss,acc$"
ok $? "metrics.csv has its header"
[ "$(grep -c '^eval,distil,student' "$tmp/run1/metrics.csv")" = 2 ]; ok $? "one student evaluation per epoch"
grep -q '"status": "done"' "$tmp/run1/summary.json"; ok $? "summary.json says done"
grep -q "^done: teacher" "$tmp/out"; ok $? "the final line reports the accuracies"
# the defaults --help shows are the ones a run uses
for kv in '"T": 2,' '"transfer_fraction": 0.01,' '"alpha": 0.7,' '"batch": 128,' '"optim": "adam",' '"lr": 0.001,' \
          '"seed": 1,' '"teacher_dropout": 0.3,' '"teacher_lr": 0.0005,' '"student_dropout": 0,' '"baseline": true,'; do
    grep -qF "$kv" "$tmp/run1/config.json"; ok $? "config.json has the default $kv"
done
for d in "T X .*\[2\]" "alpha X .*\[0.7\]" "batch N .*\[128\]" "seed N .*\[1\]" "epochs N .*\[200\]" \
         "teacher-epochs N .*\[10\]" "student WIDTHS .*\[784-32-10\]" "teacher-dropout P .*\[0.3\]"; do
    grep -q -- "--$d" "$tmp/help"; ok $? "--help shows the default of --$d"
done

# charts as PNG at the end of a run
"$bin" $tiny --png --png-size 800x450 --run-dir "$tmp/png" >/dev/null 2>&1
ok $? "a run with --png finishes"
for f in loss.png accuracy.png; do
    head -c 8 "$tmp/png/$f" 2>/dev/null | od -An -c | grep -q "P   N   G"; ok $? "--png writes $f"
done
grep -q "charts written" "$tmp/png/events.log"; ok $? "and events.log says so"
expect 2 "png-size: expected WIDTHxHEIGHT" "a bad --png-size is refused" -- $tiny --png-size 10x10

# a folder of PNGs as the data set
"$top_builddir/tests/mkpngdir" "$tmp/pngs" 30
"$bin" --headless --data "$tmp/pngs" --teacher 784-32-10 --student 784-8-10 --teacher-epochs 1 --epochs 1 \
    --transfer 100% --no-cache --quiet --run-dir "$tmp/pngdata" >"$tmp/out" 2>"$tmp/err"
ok $? "--data DIR reads a folder of PNGs, one subfolder per class"
grep -q '"data": "dir"' "$tmp/pngdata/config.json"; ok $? "and records it"
grep -q "skipped 1 unreadable PNG; the first: .*zz-broken.png" "$tmp/pngdata/events.log"; ok $? "a broken PNG is skipped, counted and named"
expect 1 "zz-broken.png" "with --strict a broken PNG fails the load, named" -- --headless --data "$tmp/pngs" --strict --quiet --no-cache

# one seed, the same numbers
"$bin" $tiny --run-dir "$tmp/run2" >/dev/null 2>&1
cmp -s "$tmp/run1/metrics.csv" "$tmp/run2/metrics.csv" && cmp -s "$tmp/run1/metrics.jsonl" "$tmp/run2/metrics.jsonl"
ok $? "two runs with one seed write identical metrics"
"$bin" $tiny --seed 7 --run-dir "$tmp/run3" >/dev/null 2>&1
! cmp -s "$tmp/run1/metrics.csv" "$tmp/run3/metrics.csv"; ok $? "another seed writes other metrics"
expect 1 "metrics.csv" "an existing run directory is not overwritten" -- $tiny --run-dir "$tmp/run1"

# the teacher from the first run's checkpoint
"$bin" $tiny --teacher-epochs 0 --load-teacher "$tmp/run1/teacher.ckpt" --run-dir "$tmp/run4" >/dev/null 2>"$tmp/err"
ok $? "a run starts from a saved teacher"
grep -q "teacher loaded from" "$tmp/run4/events.log"; ok $? "and its events say so"
grep -q '"teacher": {"epoch": 0' "$tmp/run4/summary.json"; ok $? "and its summary has the loaded teacher's accuracy"

# SIGTERM: a clean stop with everything written so far
"$bin" --headless --data synthetic --teacher 784-256-256-10 --teacher-epochs 50 --no-cache --quiet \
    --run-dir "$tmp/run5" >/dev/null 2>"$tmp/err" &
pid=$!
i=0
while [ ! -s "$tmp/run5/metrics.csv" ] || [ "$(wc -l <"$tmp/run5/metrics.csv")" -lt 3 ]; do
    i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
done
kill -TERM $pid; wait $pid; st=$?
ok "$( [ $st = 130 ]; echo $?)" "SIGTERM stops the run with status 130 (got $st)"
grep -q '"status": "stopped"' "$tmp/run5/summary.json" 2>/dev/null; ok $? "summary.json says stopped"
grep -q "signal" "$tmp/run5/events.log"; ok $? "events.log records the stop"

# the real data set, when installed: a short run end to end
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    "$bin" --headless --teacher 784-64-10 --student 784-16-10 --teacher-epochs 1 --epochs 1 \
        --transfer 2000 --no-cache --quiet --run-dir "$tmp/fmnist" >"$tmp/out" 2>"$tmp/err"
    ok $? "a short Fashion-MNIST run exits 0"
    grep -q '"data": "fashion-mnist"' "$tmp/fmnist/config.json"; ok $? "and records its data"
else
    n=$((n + 1)); echo "ok $n # SKIP Fashion-MNIST not installed"
fi

done_testing

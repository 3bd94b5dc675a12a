#!/bin/sh
# readme-results: measures the results table of README.md on Fashion-MNIST and prints it as
# Markdown. One teacher is trained (the default experiment, seed 1) and every row starts
# from its checkpoint, so rows differ only in what the row names. Each row is the mean and spread
# over three student seeds. About 15 minutes on 2 cores.
#   examples/readme-results.sh [RUNS_DIR]
set -eu
bin=${DISTILLERY:-./src/distillery}
runs=${1:-runs/readme}
seeds="1 2 3"
mkdir -p "$runs"

# field FILE MODEL KEY: a number from summary.json's object for MODEL
field() {
    sed -n "s/.*\"$2\": {[^}]*\"$3\": \([-0-9.e]*\).*/\1/p" "$1" | head -1
}

echo "training the teacher (the default experiment, seed 1)" >&2
rm -rf "$runs/teacher"
"$bin" --headless --quiet --run-dir "$runs/teacher" >&2
teacher="$runs/teacher/teacher.ckpt"

# row LABEL FLAGS...: run the row's flags for each seed and print its line of the table
row() {
    label=$1
    shift
    stats=""
    for s in $seeds; do
        dir="$runs/$(echo "$label" | tr -c 'a-zA-Z0-9\n' '-')-s$s"
        rm -rf "$dir"
        "$bin" --headless --quiet --load-teacher "$teacher" --seed "$s" --run-dir "$dir" "$@" >/dev/null
        stats="$stats $(field "$dir/summary.json" teacher acc) $(field "$dir/summary.json" baseline acc) $(field "$dir/summary.json" student acc)"
    done
    echo "$stats" | awk -v label="$label" -v flags="$*" '{
        n = NF / 3
        for (i = 0; i < n; i++) { t = $(3*i+1); b = $(3*i+2); s = $(3*i+3)
            tm += t; bm += b; sm += s; g[i] = s - b; gm += s - b; bs[i] = b; ss[i] = s }
        tm /= n; bm /= n; sm /= n; gm /= n
        for (i = 0; i < n; i++) { bv += (bs[i]-bm)^2; sv += (ss[i]-sm)^2; gv += (g[i]-gm)^2 }
        sd = n > 1 ? n - 1 : 1
        printf "| %s | `%s` | %.2f | %.2f ± %.2f | %.2f ± %.2f | %+.2f ± %.2f |\n", label, flags,
            100*tm, 100*bm, 100*sqrt(bv/sd), 100*sm, 100*sqrt(sv/sd), 100*gm, 100*sqrt(gv/sd)
    }'
}

echo "| setting | flags (besides --load-teacher and --seed 1, 2, 3) | teacher % | baseline % | distilled student % | gain, points |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for T in 1 2 4 8; do row "full training set, T=$T" --transfer 100% --epochs 10 --T "$T"; done
for T in 1 2 4 8; do row "5% transfer set, T=$T" --transfer 0.05 --epochs 60 --T "$T"; done
for T in 1 2 4 8; do row "1% transfer set, T=$T" --transfer 0.01 --epochs 200 --T "$T"; done
for T in 2 4; do row "600 labels + soft labels on all, T=$T" --transfer 100% --epochs 10 --labeled 600 --T "$T"; done

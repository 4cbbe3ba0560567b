#!/usr/bin/env bash
# Measures kready end to end on ../shared/corpus: wall time and peak RSS of
# one process per input set, best of N runs. Usage: scripts/bench-corpus.sh [runs]
# Numbers go to docs/PERFORMANCE.md by hand, with the date and machine.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
corpus=../shared/corpus
[ -d "$corpus" ] || { echo "no $corpus"; exit 0; }
tmp=$(mktemp -d)
bin=$tmp/kready
go build -trimpath -o "$bin" ./cmd/kready

measure() { # name, then kready arguments
  local name=$1; shift
  local best_wall=999999 best_rss=0 out
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$tmp/time" -f '%e %M' "$bin" "$@" >/dev/null 2>&1 || true
    out=$(tail -1 "$tmp/time")
    local wall=${out% *} rss=${out#* }
    if awk "BEGIN{exit !($wall < $best_wall)}"; then best_wall=$wall; best_rss=$rss; fi
  done
  printf '| %s | %s s | %d MB |\n' "$name" "$best_wall" $((best_rss / 1024))
}

echo "| input | wall (best of $runs) | peak RSS |"
echo "|---|---|---|"
measure "plain ($(du -sh $corpus/plain | cut -f1))" lint --fail-on none $corpus/plain
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: a:1}]}\n' > "$tmp/one.yaml"
measure "one small file (process start included)" lint --fail-on none "$tmp/one.yaml"
measure "helm: 20 corpus charts (loki fails)" lint --fail-on none --kube-version 1.31 $corpus/helm
measure "kustomize: 36 entry points" lint --fail-on none $corpus/kustomize
measure "whole corpus" lint --fail-on none $corpus

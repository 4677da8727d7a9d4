#!/usr/bin/env bash
# ONNX Runtime scoring (ModelRuntimeBenchmarks' FraudModel.Score cases: 1 row and 256 rows) of two builds of FraudEx
# side by side: BEFORE and AFTER are repository checkouts (git worktrees). Each is built once (Release); then the
# BenchmarkDotNet cases run ROUNDS times, alternating before/after, so both see the same drift of a shared machine.
# Prints each round and the medians over rounds with the ratio after/before.
#   tests/FraudEx.Benchmarks/compare-model-runtime.sh /work/wt/onnx-before . 3
set -euo pipefail
before=$(cd "${1:?before checkout}" && pwd)
after=$(cd "${2:-.}" && pwd)
rounds=${3:-3}
work=$(mktemp -d /tmp/fraudex-model-runtime.XXXXXX)
for tree in "$before" "$after"; do
  dotnet build "$tree/tests/FraudEx.Benchmarks" -c Release -nologo -v:q -clp:NoSummary >/dev/null
done
for round in $(seq 1 "$rounds"); do
  for side in before after; do
    tree=$before; [ "$side" = after ] && tree=$after
    # BenchmarkDotNet's in-process toolchain gives up on a case that "takes too long" when the machine is overloaded;
    # such a run is repeated (at most three tries), not dropped.
    for try in 1 2 3; do
      rm -rf "$work/$side-$round"
      if (cd "$work" && dotnet "$tree/tests/FraudEx.Benchmarks/bin/Release/net10.0/FraudEx.Benchmarks.dll" \
        --filter '*ModelRuntimeBenchmarks.Onnx_*' --artifacts "$work/$side-$round" --exporters briefjson >"$work/$side-$round.log" 2>&1); then
        break
      fi
      echo "round $round $side: try $try failed (see $work/$side-$round.log)"
    done
    echo "round $round $side done"
  done
done
/usr/bin/python3 - "$work" "$rounds" <<'PY'
import json, glob, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
results = {}
for side in ("before", "after"):
    for r in range(1, rounds + 1):
        for path in glob.glob(f"{work}/{side}-{r}/results/*.json"):
            for b in json.load(open(path))["Benchmarks"]:
                results.setdefault((b["Method"], side), []).append((b["Statistics"]["Median"] / 1000, b["Memory"]["BytesAllocatedPerOperation"]))
print(f"{'case':<14} {'before µs (rounds)':<34} {'after µs (rounds)':<34} {'median before':>14} {'median after':>13} {'after/before':>12} {'alloc b/a':>10}")
for method, label in (("Onnx_OneRow", "1 row"), ("Onnx_Batch", "256 rows")):
    b = results.get((method, "before"), []); a = results.get((method, "after"), [])
    mb = statistics.median(x for x, _ in b); ma = statistics.median(x for x, _ in a)
    fmt = lambda xs: ", ".join(f"{x:,.1f}" for x, _ in xs)
    print(f"{label:<14} {fmt(b):<34} {fmt(a):<34} {mb:>14,.1f} {ma:>13,.1f} {ma / mb:>12.2f} {b[0][1]:>4}/{a[0][1]:<4} B")
PY
echo "logs: $work"

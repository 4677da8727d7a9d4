"""Prints each scenario's median figures over the rounds of bench.sh or floor.sh (JSON files <scenario>.round<N>.json)."""
import json, statistics, sys

out, rounds, scenarios = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print("| scenario | throughput /s | p50 ms | p90 ms | p99 ms | p99.9 ms | errors | degraded | CPU µs per score (FraudEx, Redis, PostgreSQL and LoadGen processes) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for s in dict.fromkeys(scenarios):
    runs = [json.load(open(f"{out}/{s}.round{r}.json")) for r in range(1, rounds + 1)]
    med = lambda f: statistics.median(f(r) for r in runs)
    cpu = med(lambda r: sum(p["microsPerScore"] for p in r.get("cpu", []) if not p["name"].startswith("other")))
    print(f"| {s} | {med(lambda r: r['throughput']):.0f} | {med(lambda r: r['latencyMs']['p50']):.3f} | {med(lambda r: r['latencyMs']['p90']):.3f} | "
          f"{med(lambda r: r['latencyMs']['p99']):.3f} | {med(lambda r: r['latencyMs']['p999']):.3f} | {med(lambda r: sum(r['errors'].values())):.0f} | "
          f"{med(lambda r: r['degraded']):.0f} | {cpu:.0f} |")

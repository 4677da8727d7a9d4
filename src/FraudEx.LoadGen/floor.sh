#!/usr/bin/env bash
# The floor under bench.sh's scenarios: the same load generator, scenarios and process settings against
# `FraudEx.LoadGen floor-server`, fraudex.v1.ScoringService on the scorer's hosting (Kestrel, API-key and validation
# interceptors, health) whose handlers do no work. What a scenario costs here, the transport, the client and the machine
# cost before any scoring; bench.sh's figures minus these are what FraudEx's scoring adds.
# FRAUDEX_BENCH_ROUNDS=N runs the list N times over and ends with the median of each figure, as bench.sh does;
# FRAUDEX_BENCH_ENV and FRAUDEX_BENCH_GEN0 as in bench.sh.
#
#   bash src/FraudEx.LoadGen/floor.sh [scenario ...]     scenarios as bench.sh: unary32 unary100 stream20k health100
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
scenarios=("${@:-unary32 unary100 stream20k health100}")
read -r -a scenarios <<<"${scenarios[*]}"
out="$(pwd)/artifacts/floor"
mkdir -p "$out"
for project in FraudEx.Scoring FraudEx.LoadGen; do
  dotnet build -c Release -nologo -v:q -clp:ErrorsOnly "src/$project" || { echo "building $project failed"; exit 1; }
done

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
keys=$(dotnet src/FraudEx.Scoring/bin/Release/net10.0/FraudEx.Scoring.dll new-api-key bench scorer)
api_key=$(echo "$keys" | sed -n 's/^key: //p')
mapfile -t key_env < <(echo "$keys" | grep '^Auth__')
# The process settings bench.sh gives every .NET process.
common=(DOTNET_ENVIRONMENT=Production DOTNET_GCgen0size="${FRAUDEX_BENCH_GEN0:-0x800000}" Logging__LogLevel__Default=Warning
  ${FRAUDEX_BENCH_ENV:-})
env "${common[@]}" "${key_env[@]}" ASPNETCORE_URLS="http://127.0.0.1:$port" \
  dotnet src/FraudEx.LoadGen/bin/Release/net10.0/FraudEx.LoadGen.dll floor-server >"$out/floor-server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

loadgen=(env "${common[@]}" FRAUDEX_API_KEY="$api_key" dotnet src/FraudEx.LoadGen/bin/Release/net10.0/FraudEx.LoadGen.dll)
target="http://127.0.0.1:$port"
rounds=${FRAUDEX_BENCH_ROUNDS:-1}
rm -f "$out"/*.json
warm=20
for round in $(seq 1 "$rounds"); do
  for scenario in "${scenarios[@]}"; do
    echo
    json="$out/$scenario.json"
    [ "$rounds" -gt 1 ] && json="$out/$scenario.round$round.json" && echo "---- round $round of $rounds: $scenario (floor)"
    run=(--target "$target" --duration 20 --warmup "$warm" --out "$json" --cpu "floor=$server")
    case "$scenario" in
      unary32)   "${loadgen[@]}" unary --concurrency 32 "${run[@]}" ;;
      unary100)  "${loadgen[@]}" unary --rate 100 "${run[@]}" ;;
      health100) "${loadgen[@]}" health --rate 100 "${run[@]}" ;;
      stream[0-9]*k) rate=${scenario#stream}; "${loadgen[@]}" stream --rate $(( ${rate%k} * 1000 )) --streams 4 "${run[@]}" ;;
      *) echo "unknown scenario $scenario"; exit 2 ;;
    esac
    warm=5
  done
done
if [ "$rounds" -gt 1 ]; then
  echo
  echo "==== floor: medians over $rounds rounds (every round's JSON is in $out) ===="
  /usr/bin/python3 src/FraudEx.LoadGen/medians.py "$out" "$rounds" "${scenarios[@]}"
fi

#!/usr/bin/env bash
# Benchmarks the whole FraudEx system on this machine with FraudEx.LoadGen: a throwaway redis-server and PostgreSQL
# cluster, the feature, alert and scoring services (Release builds, API keys on, decisions handed to Postgres), and the
# load generator as the client, all on loopback. Runs the three target scenarios, 20 s each after a warm-up (20 s for
# the first scenario, which also lets tiered compilation settle in every process, 5 s for the others), prints LoadGen's tables with the CPU each
# process spent per score, each service's span statistics (count, mean, p50, p99, max per span), and writes JSON to artifacts/bench/.
# FRAUDEX_BENCH_ENV="NAME=VALUE ..." adds environment variables (configuration overrides) to every process,
# FRAUDEX_BENCH_SERVICE_ENV="NAME=VALUE ..." to the three services only, FRAUDEX_BENCH_LOADGEN_ENV to LoadGen only.
# FRAUDEX_BENCH_LOADGEN=path/to/FraudEx.LoadGen.dll runs another build of the load generator (another tree's, to tell
# the client's share of a difference from the services').
# FRAUDEX_BENCH_GEN0=0x… sets the gen0 budget of every .NET process (DOTNET_GCgen0size; default 8 MiB as the app host).
# FRAUDEX_BENCH_PG="-c name=value ..." adds PostgreSQL settings (after the defaults above them).
# FRAUDEX_BENCH_FEATURES=inprocess (default, as the app host runs it: the scorer computes features itself over Redis, one
# gRPC hop per score) or remote (the scorer asks the feature service over gRPC: two hops, the split deployment).
# FRAUDEX_BENCH_AUDIT_NICE=N starts the audit trail's processes (the alert service and PostgreSQL) at nice N (default 0):
# they ship the spool asynchronously, off the path of a call.
# FRAUDEX_BENCH_ROUNDS=N runs the scenario list N times over (interleaved, on the same system) and ends with the median
# of each figure per scenario: this machine is shared, and one run of a scenario can differ from the next by 20 %.
#
#   bash src/FraudEx.LoadGen/bench.sh [scenario ...]     scenarios: unary32 unary100 stream20k (default: all three),
#                                                       streamNk for a stream at N thousand per second, or health100:
#                                                       the scorer's grpc.health.v1 Check at 100/s, the transport alone
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
scenarios=("${@:-unary32 unary100 stream20k}")
read -r -a scenarios <<<"${scenarios[*]}"
out="$root/artifacts/bench"
mkdir -p "$out"

for project in FraudEx.Features FraudEx.Alerts FraudEx.Scoring FraudEx.LoadGen; do
  dotnet build -c Release -nologo -v:q -clp:ErrorsOnly "src/$project" || { echo "building $project failed"; exit 1; }
done

work=$(mktemp -d /tmp/fraudex-bench-XXXXXX)
chmod 755 "$work"
pids=()
pg_bin=/usr/lib/postgresql/15/bin
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  mkdir -p "$out/logs" && cp "$work"/*.log "$out/logs/" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -f "$work/pg/postmaster.pid" ] && as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
wait_port() { for _ in $(seq 1 300); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened"; exit 1; }

redis_port=$(free_port); pg_port=$(free_port); features_port=$(free_port); alerts_port=$(free_port); scoring_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --daemonize no >"$work/redis.log" 2>&1 &
redis_pid=$!
pids+=($redis_pid)
mkdir -p "$work/pg" && [ "$(id -u)" = 0 ] && chown postgres:postgres "$work/pg"
as_pg "$pg_bin/initdb" -D "$work/pg" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
audit_nice=(nice -n "${FRAUDEX_BENCH_AUDIT_NICE:-0}")
as_pg "${audit_nice[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on ${FRAUDEX_BENCH_PG:-}" -w start >/dev/null
as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres alertsdb
wait_port "$redis_port"

# Every .NET process runs with the gen0 budget the app host gives the services (FraudEx.Hosting ServiceExtensions.Gen0Budget).
common=(DOTNET_ENVIRONMENT=Production DOTNET_GCgen0size="${FRAUDEX_BENCH_GEN0:-0x800000}" Logging__LogLevel__Default=Warning
  Telemetry__SpanStatistics="${FRAUDEX_SPAN_STATISTICS:-true}" Logging__LogLevel__FraudEx.ServiceDefaults.Telemetry=Information
  ${FRAUDEX_BENCH_ENV:-})
read -r -a service_env <<<"${FRAUDEX_BENCH_SERVICE_ENV:-}"
# Every service checks the same keys: the load generator's (scorer), the scorer's own identity towards its peers
# (scoring-service) and the alert service's towards the feature service (alerts-service).
new_key() { dotnet src/FraudEx.Scoring/bin/Release/net10.0/FraudEx.Scoring.dll new-api-key "$1" "$2"; }
keys=$(new_key bench scorer); scoring_keys=$(new_key scoring scoring-service); alerts_keys=$(new_key alerts alerts-service)
api_key=$(echo "$keys" | sed -n 's/^key: //p')
scoring_client_key=$(echo "$scoring_keys" | sed -n 's/^key: //p')
alerts_client_key=$(echo "$alerts_keys" | sed -n 's/^key: //p')
mapfile -t key_env < <(echo "$keys" | grep '^Auth__'
  echo "$scoring_keys" | grep '^Auth__' | sed 's/^Auth__Keys__0__/Auth__Keys__1__/'
  echo "$alerts_keys" | grep '^Auth__' | sed 's/^Auth__Keys__0__/Auth__Keys__2__/')
env "${common[@]}" ${service_env[@]+"${service_env[@]}"} "${key_env[@]}" ASPNETCORE_URLS="http://127.0.0.1:$features_port" ConnectionStrings__redis="127.0.0.1:$redis_port" \
  dotnet src/FraudEx.Features/bin/Release/net10.0/FraudEx.Features.dll >"$work/features.log" 2>&1 &
features_pid=$!
pids+=($features_pid)
"${audit_nice[@]}" env "${common[@]}" ${service_env[@]+"${service_env[@]}"} "${key_env[@]}" Auth__ClientKey="$alerts_client_key" ASPNETCORE_URLS="http://127.0.0.1:$alerts_port" \
  ConnectionStrings__alertsdb="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=alertsdb" \
  services__features__grpc__0="http://127.0.0.1:$features_port" \
  dotnet src/FraudEx.Alerts/bin/Release/net10.0/FraudEx.Alerts.dll >"$work/alerts.log" 2>&1 &
alerts_pid=$!
pids+=($alerts_pid)
wait_port "$features_port"; wait_port "$alerts_port"

case "${FRAUDEX_BENCH_FEATURES:-inprocess}" in
  inprocess) feature_env=(ConnectionStrings__redis="127.0.0.1:$redis_port" Scoring__Features__Mode=InProcess) ;;
  remote)    feature_env=(Scoring__Features__Mode=Remote) ;;
  *) echo "FRAUDEX_BENCH_FEATURES must be inprocess or remote"; exit 2 ;;
esac
echo "features: ${FRAUDEX_BENCH_FEATURES:-inprocess}"
env "${common[@]}" ${service_env[@]+"${service_env[@]}"} "${key_env[@]}" "${feature_env[@]}" Auth__ClientKey="$scoring_client_key" \
  ASPNETCORE_URLS="http://127.0.0.1:$scoring_port" \
  services__features__grpc__0="http://127.0.0.1:$features_port" services__alerts__grpc__0="http://127.0.0.1:$alerts_port" \
  DecisionSpool__Directory="$work/spool" \
  ${FRAUDEX_MODEL:+Scoring__ModelPath=$FRAUDEX_MODEL} \
  dotnet src/FraudEx.Scoring/bin/Release/net10.0/FraudEx.Scoring.dll >"$work/scoring.log" 2>&1 &
scoring_pid=$!
pids+=($scoring_pid)
wait_port "$scoring_port"

read -r -a loadgen_env <<<"${FRAUDEX_BENCH_LOADGEN_ENV:-}"
loadgen=(env "${common[@]}" ${loadgen_env[@]+"${loadgen_env[@]}"} dotnet "${FRAUDEX_BENCH_LOADGEN:-src/FraudEx.LoadGen/bin/Release/net10.0/FraudEx.LoadGen.dll}")
target="http://127.0.0.1:$scoring_port"
postgres_pid=$(head -n 1 "$work/pg/postmaster.pid")
cpu=(--cpu "scoring=$scoring_pid,features=$features_pid,alerts=$alerts_pid,redis=$redis_pid,postgres=$postgres_pid")
rounds=${FRAUDEX_BENCH_ROUNDS:-1}
rm -f "$out"/*.json
failed_scenarios=()
warm=20 # the first scenario also lets tiered compilation settle in every process
for round in $(seq 1 "$rounds"); do
  for scenario in "${scenarios[@]}"; do
    echo
    json="$out/$scenario.json"
    [ "$rounds" -gt 1 ] && json="$out/$scenario.round$round.json" && echo "---- round $round of $rounds: $scenario"
    run=(--duration 20 --warmup "$warm" --out "$json" "${cpu[@]}")
    # A scenario LoadGen ends non-zero (nothing answered within its drain time: an open loop far beyond capacity) is
    # reported, and the others still run; the script then ends non-zero.
    set +e
    case "$scenario" in
      unary32)   FRAUDEX_API_KEY="$api_key" "${loadgen[@]}" unary --target "$target" --concurrency 32 "${run[@]}" ;;
      unary100)  FRAUDEX_API_KEY="$api_key" "${loadgen[@]}" unary --target "$target" --rate 100 "${run[@]}" ;;
      health100) FRAUDEX_API_KEY="$api_key" "${loadgen[@]}" health --target "$target" --rate 100 "${run[@]}" ;;
      stream[0-9]*k) rate=${scenario#stream}; rate=$(( ${rate%k} * 1000 ))
                 FRAUDEX_API_KEY="$api_key" "${loadgen[@]}" stream --target "$target" --rate "$rate" --streams 4 "${run[@]}"
                 stream_status=$?
                 sleep 10 # a stream beyond capacity leaves a backlog in the services; let it drain before the next
                 (exit "$stream_status") ;;
      *) echo "unknown scenario $scenario"; exit 2 ;;
    esac
    status=$?
    set -e
    [ "$status" -ne 0 ] && { echo "$scenario: LoadGen exited with $status"; failed_scenarios+=("$scenario"); }
    warm=5
  done
done

if [ "$rounds" -gt 1 ]; then
  echo
  echo "==== medians over $rounds rounds (each figure's median on its own; every round's JSON is in $out) ===="
  /usr/bin/python3 src/FraudEx.LoadGen/medians.py "$out" "$rounds" "${scenarios[@]}"
fi

# SIGTERM: background jobs of a non-interactive shell ignore SIGINT. Each service logs its span table as it stops.
for pid in "$scoring_pid" "$features_pid" "$alerts_pid"; do kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; done
for service in scoring features alerts; do
  echo
  echo "==== $service service span statistics (FraudEx.* spans of that process, whole run, ms) ===="
  awk '/Span durations since start/{block=""} /Span durations since start/,0{block=block $0 "\n"} END{printf "%s", block}' "$work/$service.log" | tail -n +2 | grep -v '^\S' || true
  grep -iE "fail|exception" "$work/$service.log" | head -5 || true
done
if [ "${#failed_scenarios[@]}" -gt 0 ]; then
  echo
  echo "LoadGen failed in: ${failed_scenarios[*]}"
  exit 1
fi

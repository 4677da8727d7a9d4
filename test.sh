#!/usr/bin/env bash
# FraudEx's test command (the README's quick start): installs what the tests need, builds the solution with
# warnings as errors, runs every test project, prints the transcripts the tests write to artifacts/conformance
# (tests/FraudEx.Conformance.Tests: grpcio.log, grpc-js.log and h2load.log from the python3-grpcio, @grpc/grpc-js and
# h2load suites against the real services, readme-examples.log from the README's API examples; the security suite's
# security.log and faults.log; see docs/conformance.md and docs/security.md) and ends with one line
# "N passed, N failed" summed over all test projects. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results=artifacts/test-results
transcripts=artifacts/conformance

fail() {
  echo "test.sh: $1"
  echo "0 passed, 1 failed"
  exit 1
}

bash scripts/install-deps.sh || fail "installing dependencies failed"
dotnet build FraudEx.sln -c Release -warnaserror -nologo -clp:NoSummary -v:minimal || fail "the build failed"

rm -rf "$results" "$transcripts"
mkdir -p "$results" "$transcripts"
# A hung test is dumped nowhere and killed after 10 minutes, so CI fails instead of waiting out its time.
dotnet test FraudEx.sln -c Release --no-build --nologo \
  --results-directory "$results" --logger "trx" --logger "console;verbosity=normal" \
  --blame-hang-timeout 10m --blame-hang-dump-type none
test_exit=$?

# Transcripts of the independent gRPC implementations and the security suite, in name order.
for transcript in "$transcripts"/*.log; do
  [ -f "$transcript" ] || continue
  echo
  echo "==== $(basename "$transcript" .log) ===="
  cat "$transcript"
done

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  value() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
done

if [ "$failed" -ne 0 ]; then
  # The failed tests again, last, with the first lines of their messages, so the end of a long log names them.
  echo
  echo "==== failed tests ===="
  python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
for trx in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    for r in ET.parse(trx).getroot().iter(ns + "UnitTestResult"):
        if r.get("outcome") in ("Passed", "NotExecuted", "Inconclusive"):
            continue
        message = r.find(f"{ns}Output/{ns}ErrorInfo/{ns}Message")
        lines = (message.text or "").strip().splitlines() if message is not None else []
        print(f"{r.get('outcome')}: {r.get('testName')} ({r.get('duration')})")
        for line in lines[:8]:
            print(f"    {line}")
PY
fi
if [ "$test_exit" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A crashed test host or a project that never ran leaves no failed test in the results; it still fails the run.
  echo "test.sh: dotnet test exited with $test_exit although no test result failed"
  failed=1
fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: no test ran"
  failed=1
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Installs the machine packages FraudEx's tests and local runs use, only those missing. Safe to run again.
# Debian 12: redis-server and postgresql (real servers for tests and the app host), python3-grpcio and
# python3-protobuf (the grpcio conformance suite and the README's python example, run with /usr/bin/python3),
# nghttp2-client (h2load and nghttp), nodejs and npm (the grpc-js suite and the README's node example),
# libxgboost0 (training), chromium (the dashboard's browser test). ONNX Runtime comes from NuGet
# (Microsoft.ML.OnnxRuntime) with the build, and so does the protoc the grpcio suite compiles protos/ with (Grpc.Tools);
# the npm packages of the grpc-js suite are installed below.
set -euo pipefail

packages=(redis-server postgresql python3-grpcio python3-protobuf nghttp2-client libxgboost0 python3-xgboost chromium nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# node/npm may come from elsewhere than Debian's packages; only install them when the commands are absent.
if command -v node >/dev/null 2>&1; then missing=("${missing[@]/nodejs}"); fi
if command -v npm >/dev/null 2>&1; then missing=("${missing[@]/npm}"); fi
read -r -a missing <<<"${missing[*]:-}"
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's postgresql package starts a cluster as a system service; FraudEx never uses it (fixtures and the app
# host create their own throwaway clusters), so nothing here depends on it running.

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# .NET local tools (.config/dotnet-tools.json), when the repository declares any.
if [ -f "$repo_root/.config/dotnet-tools.json" ]; then
  (cd "$repo_root" && dotnet tool restore >/dev/null)
fi

# The grpc-js conformance suite's npm packages, exactly as tests/conformance/node/package-lock.json pins them. The
# stamp makes a second run free and a changed lock file reinstall.
node_dir="$repo_root/tests/conformance/node"
if [ -f "$node_dir/package-lock.json" ] && ! cmp -s "$node_dir/package-lock.json" "$node_dir/node_modules/.fraudex-lock"; then
  echo "install-deps: npm ci in tests/conformance/node"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$node_dir/package-lock.json" "$node_dir/node_modules/.fraudex-lock"
fi

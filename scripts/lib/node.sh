# The official Fabric Gateway client for Node (bench/node), for the benchmark and the interop
# test. Sourced after common.sh.
# shellcheck shell=bash

NODE_DIR="$REPO_ROOT/bench/node"
NODE_MIN="20.19"  # fabric-gateway's CommonJS build require()s the ES-module-only @noble/curves

_node_too_old() {  # true when `node` is older than NODE_MIN
  node -e '
    const [want, have] = [process.argv[1], process.versions.node].map((v) => v.split(".").map(Number));
    process.exit(have[0] > want[0] || (have[0] === want[0] && have[1] >= want[1]) ? 1 : 0);
  ' "$NODE_MIN"
}

ensure_node_deps() {
  # Installs bench/node's locked dependencies with `npm ci` once; re-runs are cheap.
  local stamp="$NODE_DIR/node_modules/.installed"
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
    || die "$EXIT_MISSING" "node and npm not found: install Node.js $NODE_MIN+ with npm (nodejs.org or NodeSource packages; Debian 12's own nodejs is 18, too old)"
  ! _node_too_old \
    || die "$EXIT_MISSING" "node $(node --version) is too old: @hyperledger/fabric-gateway needs Node.js $NODE_MIN+ (22.12+ recommended)"
  if [[ -f "$stamp" && "$stamp" -nt "$NODE_DIR/package.json" && "$stamp" -nt "$NODE_DIR/package-lock.json" ]]; then
    return 0
  fi
  log "installing bench/node's locked npm dependencies (npm ci)"
  local out
  if ! out="$(cd "$NODE_DIR" && npm ci --no-audit --no-fund 2>&1)"; then
    printf '%s\n' "$out" | tail -n 20 >&2
    local registry; registry="$(cd "$NODE_DIR" && npm config get registry 2>/dev/null)"
    if ! (cd "$NODE_DIR" && npm ping >/dev/null 2>&1); then
      die "$EXIT_MISSING" "the npm registry ($registry) is unreachable, so npm ci in bench/node failed: restore access to it (npm config get registry) and re-run"
    fi
    die "$EXIT_FAILED" "npm ci in bench/node failed (output above) although the registry ($registry) answers: check package-lock.json against package.json"
  fi
  touch "$stamp"
}

# Obtains the pinned Fabric and Fabric CA binaries and Fabric's sample configs.
# Sourced after common.sh. Sets FABRIC_BIN (a dir with all binaries) and FABRIC_CFG.
# shellcheck shell=bash
# shellcheck source=../../network/versions.env
source "$REPO_ROOT/network/versions.env"

FABRIC_CACHE="$CACHE_DIR/fabric-$FABRIC_VERSION-$FABRIC_COMMIT"
FABRIC_CA_CACHE="$CACHE_DIR/fabric-ca-$FABRIC_CA_VERSION"
GO_TIMEOUT="${FABRIC_GO_TIMEOUT:-900}"

_missing_tools() {  # _missing_tools DIR TOOL... : prints the tools DIR lacks
  local dir="$1"; shift
  local t
  for t in "$@"; do [[ -x "$dir/$t" ]] || printf '%s ' "$t"; done
}

_go_failure() {  # _go_failure WHAT LOGFILE : explains why a go command failed, then exits
  local what="$1" logf="$2" proxy
  proxy="$(go env GOPROXY 2>/dev/null || echo '?')"
  if grep -qE '403 Forbidden|410 Gone|not available' "$logf"; then
    die "$EXIT_MISSING" "the Go module proxy ($proxy) refuses $what: $(grep -m1 -E '403|410|not available' "$logf" | sed 's/^[[:space:]]*//')
  cause: this proxy does not serve the Hyperledger Fabric modules.
  fix:   point GOPROXY at a proxy that serves $what, or build the binaries on a machine
         that has them (see README, 'Fabric binaries') and set FABRIC_BIN_DIR to that bin/ folder."
  elif grep -q 'GOPROXY=off' "$logf"; then
    die "$EXIT_MISSING" "Go module downloads are disabled (GOPROXY=off), so $what cannot be fetched.
  fix:   set GOPROXY to a reachable module proxy, or set FABRIC_BIN_DIR to prebuilt binaries."
  elif grep -qE 'dial tcp|connection refused|no such host|Could not resolve|i/o timeout|TLS handshake' "$logf"; then
    die "$EXIT_MISSING" "the Go module proxy ($proxy) is unreachable while fetching $what: $(grep -m1 -E 'dial tcp|connection refused|no such host|Could not resolve|i/o timeout|TLS handshake' "$logf" | sed 's/^[[:space:]]*//')
  fix:   check the network or GOPROXY, or set FABRIC_BIN_DIR to prebuilt binaries."
  elif grep -q 'timed out after' "$logf"; then
    die "$EXIT_FAILED" "fetching or building $what took longer than ${GO_TIMEOUT}s (FABRIC_GO_TIMEOUT); log: $logf"
  fi
  die "$EXIT_FAILED" "building $what failed; last lines of $logf:
$(tail -n 15 "$logf")"
}

_run_go() {  # _run_go WHAT LOGFILE CMD... : runs a go command with a deadline
  local what="$1" logf="$2"; shift 2
  local rc=0
  timeout "$GO_TIMEOUT" "$@" >"$logf" 2>&1 || rc=$?
  [[ $rc -eq 0 ]] && return 0
  [[ $rc -eq 124 ]] && echo "timed out after ${GO_TIMEOUT}s" >>"$logf"
  _go_failure "$what" "$logf"
}

_require_go() {
  command -v go >/dev/null 2>&1 || die "$EXIT_MISSING" "Go is not installed (needed to build Hyperledger Fabric $FABRIC_VERSION).
  fix:   install Go 1.23 or newer (https://go.dev/doc/install, or Debian's golang-go), or set
         FABRIC_BIN_DIR to a folder with prebuilt $FABRIC_TOOLS $FABRIC_CA_TOOLS."
}

_resolve_fabric_version() {  # prints the pseudo-version of the pinned commit, cached once
  local pinfile="$FABRIC_CACHE/pseudo-version" work="$FABRIC_CACHE/resolve" logf version
  if [[ -s "$pinfile" ]]; then cat "$pinfile"; return; fi
  logf="$FABRIC_CACHE/logs/resolve.log"
  # A scratch module kept in the cache (no temp dir to leak when a step dies).
  mkdir -p "$work" && [[ -f "$work/go.mod" ]] || (cd "$work" && go mod init provenance-setup >/dev/null 2>&1)
  _run_go "$FABRIC_MODULE@$FABRIC_COMMIT" "$logf" \
    env -C "$work" GOFLAGS=-mod=mod go list -m -f '{{.Version}}' "$FABRIC_MODULE@$FABRIC_COMMIT"
  # The log mixes stdout and stderr: keep only a line that is a version, or nothing.
  version="$(grep -E '^v[0-9]+\.[0-9]+\.[0-9]+' "$logf" | tail -n 1)"
  [[ -n "$version" ]] || die "$EXIT_FAILED" "go list printed no version for $FABRIC_MODULE@$FABRIC_COMMIT; see $logf"
  printf '%s\n' "$version" >"$pinfile"
  cat "$pinfile"
}

_build_fabric() {
  local pv tool dir
  _require_go
  mkdir -p "$FABRIC_CACHE/bin" "$FABRIC_CACHE/logs" "$FABRIC_CACHE/config"
  # `|| exit`: a failure inside $(...) must stop here even where errexit is not in force.
  pv="$(_resolve_fabric_version)" || exit "$?"
  [[ -n "$pv" ]] || die "$EXIT_FAILED" "could not resolve $FABRIC_MODULE@$FABRIC_COMMIT to a version"
  for tool in $(_missing_tools "$FABRIC_CACHE/bin" $FABRIC_TOOLS); do
    log "building $tool $FABRIC_VERSION ($pv)"
    _run_go "$FABRIC_MODULE/cmd/$tool@$pv" "$FABRIC_CACHE/logs/$tool.log" \
      env GOBIN="$FABRIC_CACHE/bin" CGO_ENABLED=0 go install "$FABRIC_MODULE/cmd/$tool@$pv"
  done
  # Fabric's own sample configs come from the module cache, never from this repo.
  dir="$(go mod download -json "$FABRIC_MODULE@$pv" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" \
    || die "$EXIT_FAILED" "go mod download $FABRIC_MODULE@$pv failed"
  [[ -d "$dir/sampleconfig" ]] || die "$EXIT_FAILED" "no sampleconfig in the module cache for $FABRIC_MODULE@$pv"
  cp "$dir/sampleconfig/core.yaml" "$dir/sampleconfig/orderer.yaml" "$dir/sampleconfig/configtx.yaml" \
    "$FABRIC_CACHE/config/" || die "$EXIT_FAILED" "copying Fabric's sample configs failed"
  chmod u+w "$FABRIC_CACHE/config/"*
}

_build_fabric_ca() {
  local tool
  _require_go
  command -v gcc >/dev/null 2>&1 || die "$EXIT_MISSING" "gcc not found: fabric-ca needs cgo (sqlite). fix: apt-get install gcc"
  mkdir -p "$FABRIC_CA_CACHE/bin" "$FABRIC_CA_CACHE/logs"
  for tool in $(_missing_tools "$FABRIC_CA_CACHE/bin" $FABRIC_CA_TOOLS); do
    log "building $tool $FABRIC_CA_VERSION"
    _run_go "$FABRIC_CA_MODULE/cmd/$tool@v$FABRIC_CA_VERSION" "$FABRIC_CA_CACHE/logs/$tool.log" \
      env GOBIN="$FABRIC_CA_CACHE/bin" CGO_ENABLED=1 go install "$FABRIC_CA_MODULE/cmd/$tool@v$FABRIC_CA_VERSION"
  done
}

ensure_fabric() {
  # Operator-supplied binaries win (e.g. a Fabric release's bin/ beside its config/).
  if [[ -n "${FABRIC_BIN_DIR:-}" ]]; then
    local missing; missing="$(_missing_tools "$FABRIC_BIN_DIR" $FABRIC_TOOLS $FABRIC_CA_TOOLS)"
    [[ -z "$missing" ]] || die "$EXIT_MISSING" "FABRIC_BIN_DIR=$FABRIC_BIN_DIR lacks: $missing
  fix:   put the Fabric $FABRIC_VERSION and fabric-ca $FABRIC_CA_VERSION binaries there, or unset FABRIC_BIN_DIR to build them."
    FABRIC_BIN="$FABRIC_BIN_DIR"
    FABRIC_CFG="${FABRIC_CFG_DIR:-$FABRIC_BIN_DIR/../config}"
    [[ -f "$FABRIC_CFG/core.yaml" && -f "$FABRIC_CFG/orderer.yaml" ]] || die "$EXIT_MISSING" \
      "no core.yaml/orderer.yaml in $FABRIC_CFG: set FABRIC_CFG_DIR to Fabric $FABRIC_VERSION's config folder"
    return 0
  fi
  # Plain `if`s, not `cond || build`: errexit is off inside a function called from a || list.
  if [[ -n "$(_missing_tools "$FABRIC_CACHE/bin" $FABRIC_TOOLS)" || ! -f "$FABRIC_CACHE/config/core.yaml" ]]; then
    _build_fabric
  fi
  if [[ -n "$(_missing_tools "$FABRIC_CA_CACHE/bin" $FABRIC_CA_TOOLS)" ]]; then
    _build_fabric_ca
  fi
  # One folder with every binary, so the network scripts need one PATH entry.
  mkdir -p "$CACHE_DIR/bin-$FABRIC_VERSION-$FABRIC_CA_VERSION"
  ln -sf "$FABRIC_CACHE"/bin/* "$FABRIC_CA_CACHE"/bin/* "$CACHE_DIR/bin-$FABRIC_VERSION-$FABRIC_CA_VERSION/"
  FABRIC_BIN="$CACHE_DIR/bin-$FABRIC_VERSION-$FABRIC_CA_VERSION"
  FABRIC_CFG="$FABRIC_CACHE/config"
}

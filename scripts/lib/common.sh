# Shared helpers for the project's scripts. Sourced, never run.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE_DIR="${PROVENANCE_STATE_DIR:-$REPO_ROOT/.state}"
CACHE_DIR="${PROVENANCE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/provenance-tracker}"
VENV_DIR="${PROVENANCE_VENV:-$REPO_ROOT/.venv}"

# Exit codes shared by every script, so callers and tests can tell causes apart.
EXIT_USAGE=64
EXIT_MISSING=69   # a prerequisite cannot be had (EX_UNAVAILABLE)
EXIT_FAILED=70    # a step ran and failed (EX_SOFTWARE)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

die() {  # die CODE MESSAGE...
  local code="$1"; shift
  printf 'error: %s\n' "$*" >&2
  exit "$code"
}

ensure_venv() {
  # Creates the virtualenv and installs the pinned project once; re-runs are cheap.
  local stamp="$VENV_DIR/.installed"
  if [[ -f "$stamp" && "$stamp" -nt "$REPO_ROOT/pyproject.toml" ]]; then
    return 0
  fi
  command -v python3.11 >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1 \
    || die "$EXIT_MISSING" "python3.11 not found: install Python 3.11 (Debian: apt-get install python3.11 python3.11-venv)"
  local py; py="$(command -v python3.11 || command -v python3)"
  "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || die "$EXIT_MISSING" "$py is not Python 3.11: install Python 3.11"
  log "creating virtualenv $VENV_DIR and installing pinned dependencies"
  "$py" -m venv "$VENV_DIR" || die "$EXIT_MISSING" "python3 -m venv failed: install the venv module (Debian: python3.11-venv)"
  "$VENV_DIR/bin/pip" install --quiet --disable-pip-version-check -e "$REPO_ROOT[dev]" \
    || die "$EXIT_FAILED" "pip install failed: check that PyPI is reachable (pip config list) and re-run"
  touch "$stamp"
}

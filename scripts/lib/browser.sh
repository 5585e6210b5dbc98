# Debian's Chromium and its driver, for the scan page's browser test.
# Sourced after common.sh.
# shellcheck shell=bash

ensure_chromium() {
  command -v chromium >/dev/null && command -v chromedriver >/dev/null && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing chromium and chromium-driver from Debian's packages"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
      || die "$EXIT_MISSING" "apt-get install chromium chromium-driver failed: check the Debian package sources"
  fi
  command -v chromium >/dev/null && command -v chromedriver >/dev/null \
    || die "$EXIT_MISSING" "chromium and chromedriver not found: apt-get install chromium chromium-driver"
}

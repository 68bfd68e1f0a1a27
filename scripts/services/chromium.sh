# Chromium, from Debian's chromium package, for the test that opens `cdc serve`'s status page in a
# real headless browser (driven by playwright-core, which downloads no browser of its own).
# A tool, not a server: nothing is started here.

ensure_chromium() {
  local t0 action="present"
  t0="$(now)"
  if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
    action="installed"
  fi
  [ -x /usr/bin/chromium ] || die "chromium: /usr/bin/chromium not found after installing Debian's chromium package"
  echo "chromium: ok, $action ($(/usr/bin/chromium --version 2>/dev/null | head -n 1)) $(since "$t0")"
}

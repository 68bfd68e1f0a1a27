# promtool, from Debian's prometheus package, for the test that checks the committed alert rules
# (monitoring/). Only the tool is needed: the package's own Prometheus server is not started here.

ensure_promtool() {
  local t0 action="present"
  t0="$(now)"
  if ! command -v promtool >/dev/null 2>&1; then
    apt_install prometheus
    action="installed"
  fi
  command -v promtool >/dev/null 2>&1 || die "promtool: not found after installing Debian's prometheus package"
  echo "promtool: ok, $action ($(promtool --version 2>&1 | head -n 1)) $(since "$t0")"
}

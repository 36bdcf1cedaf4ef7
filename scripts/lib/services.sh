# shellcheck shell=bash
# Shared set-up steps for scripts/start and scripts/test. Sourced, not executed.
# Every function is idempotent, prints short "[openline]" progress lines and is
# safe under `set -euo pipefail`. Fatal problems exit 1 with a message saying
# what to do.

OPENLINE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
_OPENLINE_APT_UPDATED=""

_ol_say() { printf '[openline] %s\n' "$*"; }
_ol_warn() { printf '[openline] warning: %s\n' "$*" >&2; }
_ol_die() {
  printf '[openline] error: %s\n' "$*" >&2
  exit 1
}
_ol_is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command with its (long) output in a log file, shown only on failure.
_ol_quietly() {
  local log status=0
  log="$(mktemp)"
  "$@" >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then tail -n 40 "$log" >&2; fi
  rm -f "$log"
  return "$status"
}

_ol_apt_install() {
  # apt-get update once per run: a fresh machine has no package lists.
  if [ -z "$_OPENLINE_APT_UPDATED" ]; then
    _ol_say "apt-get update"
    _ol_quietly env DEBIAN_FRONTEND=noninteractive apt-get update || return 1
    _OPENLINE_APT_UPDATED=1
  fi
  _ol_say "apt-get install -y $* (may take a few minutes)"
  _ol_quietly env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" || return 1
}

# Prints "host port" taken from a URL such as postgres://user:pw@host:5432/db,
# falling back to the given defaults for missing parts.
_ol_url_host_port() {
  local url="$1" host="$2" port="$3" rest
  if [ -n "$url" ]; then
    rest="${url#*://}"   # drop scheme
    rest="${rest##*@}"   # drop credentials
    rest="${rest%%/*}"   # drop path
    rest="${rest%%\?*}"  # drop query
    case "$rest" in
      \[*\]:*) host="${rest%%]*}"; host="${host#[}"; port="${rest##*]:}" ;;
      \[*\]) host="${rest#[}"; host="${host%]}" ;;
      *:*) host="${rest%%:*}"; port="${rest##*:}" ;;
      ?*) host="$rest" ;;
    esac
  fi
  printf '%s %s\n' "${host:-127.0.0.1}" "${port:-$3}"
}

_ol_is_local_host() {
  case "$1" in 127.0.0.1 | localhost | ::1) return 0 ;; *) return 1 ;; esac
}

_ol_tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

_ol_wait_for() {
  # _ol_wait_for SECONDS COMMAND...: poll once a second until COMMAND succeeds.
  local seconds="$1" i
  shift
  for ((i = 0; i < seconds; i++)); do
    if "$@"; then return 0; fi
    sleep 1
  done
  "$@"
}

# --- Node dependencies -------------------------------------------------------

_ol_deps_hash() {
  # package-lock.json plus every workspace package.json: any change means the
  # installed tree may be stale.
  (
    cd "$OPENLINE_ROOT"
    shopt -s nullglob
    sha256sum package-lock.json package.json core/package.json \
      packages/*/package.json plugins/*/package.json 2>/dev/null | sha256sum | cut -d' ' -f1
  )
}

ensure_node_deps() {
  local stamp="$OPENLINE_ROOT/node_modules/.openline-install-stamp" hash version major
  hash="$(_ol_deps_hash)"
  if [ ! -d "$OPENLINE_ROOT/node_modules" ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$hash" ]; then
    if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
      if _ol_is_root; then
        _ol_say "node/npm not found; installing Debian's nodejs and npm"
        _ol_apt_install nodejs npm || _ol_die "could not install nodejs and npm with apt-get"
      else
        _ol_die "node and npm are needed to install dependencies; install them (e.g. 'sudo apt-get install -y nodejs npm') and re-run"
      fi
    fi
    _ol_say "installing npm dependencies (npm install)"
    # npm ci is not used: it fails against this registry; npm install also
    # tolerates a lockfile that lags behind a package.json edit. Warnings are
    # hidden: the system node is older than the engines field, by design
    # (the project's own Node 24 comes from the `node` devDependency).
    (cd "$OPENLINE_ROOT" && npm install --no-audit --no-fund --loglevel=error) || _ol_die "npm install failed"
    # Hash again: npm install may have rewritten package-lock.json.
    _ol_deps_hash >"$stamp"
  else
    _ol_say "npm dependencies up to date"
  fi
  [ -x "$OPENLINE_ROOT/node_modules/.bin/node" ] ||
    _ol_die "node_modules/.bin/node is missing; the 'node' devDependency (Node 24) did not install; try 'rm -rf node_modules && npm install'"
  version="$("$OPENLINE_ROOT/node_modules/.bin/node" --version 2>/dev/null || true)"
  major="${version#v}"
  major="${major%%.*}"
  if ! [[ "$major" =~ ^[0-9]+$ ]] || [ "$major" -lt 24 ]; then
    _ol_die "node_modules/.bin/node is '${version:-unusable}', Node 24+ is required; try 'rm -rf node_modules && npm install'"
  fi
  _ol_say "using Node $version from node_modules/.bin/node"
}

# --- PostgreSQL ---------------------------------------------------------------

_ol_pg_ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$1" -p "$2"
  else
    _ol_tcp_open "$1" "$2"
  fi
}

_ol_pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -1; }

_ol_pg_trust_loopback() {
  # Tests and dev connect as postgres over 127.0.0.1 without a password.
  local hba="/etc/postgresql/$1/main/pg_hba.conf" tmp
  [ -f "$hba" ] || return 0
  grep -q '^# openline: trust loopback' "$hba" && return 0
  _ol_say "allowing passwordless loopback connections for user postgres in $hba"
  tmp="$(mktemp)"
  {
    echo '# openline: trust loopback (added by scripts/lib/services.sh)'
    echo 'host all postgres 127.0.0.1/32 trust'
    echo 'host all postgres ::1/128 trust'
    cat "$hba"
  } >"$tmp"
  cat "$tmp" >"$hba" # keep the file's owner and mode
  rm -f "$tmp"
  # Reload in case the package's install step already started the server.
  pg_ctlcluster --skip-systemctl-redirect "$1" main reload >/dev/null 2>&1 || true
}

ensure_postgres() {
  local host port version
  read -r host port < <(_ol_url_host_port "${DATABASE_URL:-}" 127.0.0.1 5432)
  if _ol_pg_ready "$host" "$port"; then
    _ol_say "PostgreSQL is accepting connections on $host:$port"
    return 0
  fi
  if ! _ol_is_local_host "$host"; then
    _ol_die "PostgreSQL at $host:$port (from DATABASE_URL) is not reachable; start it or fix DATABASE_URL"
  fi
  version="$(_ol_pg_version)"
  if [ -z "$version" ]; then
    if ! _ol_is_root; then
      _ol_die "PostgreSQL is not installed; install and start it, e.g.:
  sudo apt-get install -y postgresql
  sudo pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql | sort -V | tail -1) main start
(user postgres must be able to connect to 127.0.0.1:$port without a password, or set DATABASE_URL)"
    fi
    _ol_say "PostgreSQL not installed; installing it"
    _ol_apt_install postgresql || _ol_die "could not install postgresql with apt-get"
    version="$(_ol_pg_version)"
    [ -n "$version" ] || _ol_die "postgresql installed but no cluster found under /etc/postgresql"
    _ol_pg_trust_loopback "$version"
  fi
  if ! _ol_pg_ready "$host" "$port"; then
    _ol_say "starting PostgreSQL $version (cluster main)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
      _ol_warn "pg_ctlcluster start failed (it may already be starting)"
  fi
  _ol_wait_for 30 _ol_pg_ready "$host" "$port" ||
    _ol_die "PostgreSQL did not become ready on $host:$port within 30 s; start it with 'pg_ctlcluster --skip-systemctl-redirect $version main start' (as root or postgres) and check /var/log/postgresql/"
  _ol_say "PostgreSQL is accepting connections on $host:$port"
}

# --- Redis --------------------------------------------------------------------

_ol_redis_ready() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h "$1" -p "$2" ping 2>/dev/null || true)" = "PONG" ]
  else
    # No client installed: speak RESP over bash's /dev/tcp (in a subshell, so
    # a refused connection cannot end the calling shell).
    local reply
    reply="$( (exec 3<>"/dev/tcp/$1/$2" && printf 'PING\r\n' >&3 &&
      IFS= read -r -t 2 line <&3 && printf '%s' "$line") 2>/dev/null || true)"
    [ "${reply%$'\r'}" = "+PONG" ]
  fi
}

ensure_redis() {
  local host port
  read -r host port < <(_ol_url_host_port "${REDIS_URL:-}" 127.0.0.1 6379)
  if _ol_redis_ready "$host" "$port"; then
    _ol_say "Redis is answering on $host:$port"
    return 0
  fi
  if ! _ol_is_local_host "$host"; then
    _ol_die "Redis at $host:$port (from REDIS_URL) is not reachable; start it or fix REDIS_URL"
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    if ! _ol_is_root; then
      _ol_die "Redis is not installed; install and start it, e.g.:
  sudo apt-get install -y redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port $port --save \"\" --appendonly no"
    fi
    _ol_say "redis-server not installed; installing it"
    _ol_apt_install redis-server || _ol_die "could not install redis-server with apt-get"
    # The package may have started its own (systemd-style) instance already.
    if _ol_redis_ready "$host" "$port"; then
      _ol_say "Redis is answering on $host:$port"
      return 0
    fi
  fi
  _ol_say "starting redis-server on 127.0.0.1:$port"
  # Not via systemd (absent in containers/CI); nothing is persisted to disk.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no >/dev/null ||
    _ol_warn "redis-server failed to start (port $port taken?)"
  _ol_wait_for 30 _ol_redis_ready "$host" "$port" ||
    _ol_die "Redis did not answer PING on $host:$port within 30 s; start it with: redis-server --daemonize yes --bind 127.0.0.1 --port $port --save \"\" --appendonly no"
  _ol_say "Redis is answering on $host:$port"
}

# --- Chromium (browser tests) -------------------------------------------------

# Never fatal: browser tests report a missing browser themselves.
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then
    _ol_say "Chromium found at /usr/bin/chromium"
    return 0
  fi
  if ! _ol_is_root; then
    _ol_warn "/usr/bin/chromium is missing; browser tests need it (e.g. 'sudo apt-get install -y chromium')"
    return 0
  fi
  _ol_say "installing Chromium for browser tests"
  if ! _ol_apt_install chromium; then
    _ol_warn "could not install chromium with apt-get; browser tests will fail or skip"
  fi
  return 0
}

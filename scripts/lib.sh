# Shared helpers for the repository's scripts (sourced, not run).

# Installs the Debian packages given that are not installed yet (apt-get update only when needed).
ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Build-time libraries of the package (system-library targets in Package.swift).
BUILD_PACKAGES=(pkg-config libsqlite3-dev libpq-dev libopenblas-dev zlib1g-dev libcurl4-openssl-dev)

# Starts a throw-away PostgreSQL on 127.0.0.1 at a free port; sets PG_URL, PG_DATA and PG_BIN.
# Stop it with stop_postgres.
start_postgres() {
  ensure_packages postgresql
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PG_DATA=$(mktemp -d /tmp/tsxlab-pg.XXXXXX)
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses to run as root; the Debian package created the postgres user.
    chown postgres "$PG_DATA"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --no-locale --no-sync >/dev/null
  "${run[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DATA -c fsync=off -c max_connections=200" start >/dev/null
  PG_RUN=("${run[@]}")
  PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL ready at $PG_URL (data in $PG_DATA)" >&2
}

stop_postgres() {
  [ -n "${PG_DATA:-}" ] || return 0
  "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DATA"
  PG_DATA=""
}

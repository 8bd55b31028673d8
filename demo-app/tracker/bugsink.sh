#!/usr/bin/env bash
# A real error tracker for the lab: Bugsink (https://www.bugsink.com), self-hosted and
# Sentry-SDK compatible, on loopback, with its phone-home off. Nothing leaves the machine.
#
#   bugsink.sh install                  the virtual environment (first use only, ~30 s)
#   bugsink.sh start [--port P] [--dir D] [--project NAME]...
#                                       a Bugsink on 127.0.0.1:P (default 8790) keeping its
#                                       data in D; creates each project (default: demo-app)
#                                       and prints, one `export NAME=VALUE` a line (eval it):
#                                       BUGSINK_URL, BUGSINK_TOKEN, BUGSINK_DIR, then
#                                       BUGSINK_DSN_<NAME> for each project
#   bugsink.sh project NAME [--dir D]   one more project on a running Bugsink: prints its DSN
#   bugsink.sh stop [--dir D] [--purge] stops it; --purge also removes D
#   bugsink.sh status [--dir D]
#
# The virtual environment lives outside the checkout, under $CRASH_COURSE_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/crash-course); the data folder defaults to
# $CRASH_COURSE_CACHE/bugsink-data. Set BUGSINK_VERSION to pin another release.
# Progress goes to stderr; stdout carries only the values above.
set -euo pipefail

BUGSINK_VERSION="${BUGSINK_VERSION:-2.6.2}"
CACHE="${CRASH_COURSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/crash-course}"
VENV="$CACHE/bugsink-venv-$BUGSINK_VERSION"
DIR="$CACHE/bugsink-data"
PORT=8790
PROJECTS=()
PURGE=""

say() { echo "bugsink: $*" >&2; }
die() { echo "bugsink: error: $*" >&2; exit 1; }

usage() {
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

parse_flags() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --port) PORT="${2:?--port needs a number}"; shift 2 ;;
      --dir) DIR="${2:?--dir needs a folder}"; shift 2 ;;
      --project) PROJECTS+=("${2:?--project needs a name}"); shift 2 ;;
      --purge) PURGE=1; shift ;;
      *) die "unknown flag '$1' (try: $0 help)" ;;
    esac
  done
  case "$PORT" in
    ''|*[!0-9]*) die "--port must be a number, got '$PORT'" ;;
  esac
}

install() {
  if [ -f "$VENV/.installed" ]; then
    say "installed ($VENV)"
    return
  fi
  command -v python3 >/dev/null 2>&1 || die "python3 is not installed (Debian: apt-get install python3 python3-venv)"
  python3 -c 'import venv, ensurepip' 2>/dev/null \
    || die "python3 cannot make virtual environments (Debian: apt-get install python3-venv)"
  say "installing bugsink $BUGSINK_VERSION into $VENV (first use only)"
  local started=$SECONDS
  # A half-made environment (an interrupted install) is made again from scratch.
  rm -rf "$VENV"
  mkdir -p "$CACHE"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "bugsink==$BUGSINK_VERSION" >&2
  touch "$VENV/.installed"
  say "installed in $((SECONDS - started)) s"
}

# Bugsink reads its configuration as a Python module from the data folder.
manage() {
  (cd "$DIR" && PYTHONPATH="$DIR" DJANGO_SETTINGS_MODULE=bugsink_conf "$VENV/bin/bugsink-manage" "$@")
}

running() {
  [ -f "$DIR/gunicorn.pid" ] && kill -0 "$(cat "$DIR/gunicorn.pid")" 2>/dev/null
}

api() { # METHOD PATH [JSON]
  local url token
  url="$(cat "$DIR/url")"
  token="$(cat "$DIR/token")"
  if [ $# -ge 3 ]; then
    curl -fsS --max-time 10 -X "$1" -H "Authorization: Bearer $token" \
      -H 'content-type: application/json' -d "$3" "$url/api/canonical/0/$2"
  else
    curl -fsS --max-time 10 -X "$1" -H "Authorization: Bearer $token" "$url/api/canonical/0/$2"
  fi
}

json_field() { # FIELD: reads one JSON object on stdin
  "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

configure() {
  mkdir -p "$DIR/ingestion"
  (cd "$DIR" && "$VENV/bin/bugsink-create-conf" --template=local --host=127.0.0.1 \
    --port="$PORT" --output-file=bugsink_conf.py >/dev/null)
  # Phone-home off (Bugsink reports usage by default); ingestion kept in the data folder.
  cat >> "$DIR/bugsink_conf.py" <<EOF

# Added by demo-app/tracker/bugsink.sh: nothing leaves the machine.
BUGSINK["PHONEHOME"] = False
BUGSINK["INGEST_STORE_BASE_DIR"] = "$DIR/ingestion"
DATABASES["default"]["NAME"] = "$DIR/db.sqlite3"
DATABASES["snappea"]["NAME"] = "$DIR/snappea.sqlite3"
EOF
  grep -q 'BUGSINK\["PHONEHOME"\] = False' "$DIR/bugsink_conf.py" || die "could not turn phone-home off"
  manage migrate --verbosity 0 >&2
  local password
  password="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(18))')"
  printf 'admin\n%s\n' "$password" > "$DIR/login"
  chmod 600 "$DIR/login"
  DJANGO_SUPERUSER_USERNAME=admin DJANGO_SUPERUSER_PASSWORD="$password" \
    DJANGO_SUPERUSER_EMAIL=admin@localhost manage createsuperuser --noinput >/dev/null
  manage create_auth_token | tail -1 > "$DIR/token"
  chmod 600 "$DIR/token"
  echo "http://127.0.0.1:$PORT" > "$DIR/url"
}

wait_ready() {
  local url
  url="$(cat "$DIR/url")"
  for _ in $(seq 1 100); do
    if curl -fsS --max-time 2 "$url/health/ready" >/dev/null 2>&1; then
      return
    fi
    running || die "gunicorn exited; its log: $DIR/gunicorn.log"
    sleep 0.3
  done
  die "no answer from $url/health/ready within 30 s; log: $DIR/gunicorn.log"
}

project_dsn() { # NAME: creates the project (in the lab's team) unless it exists, prints its DSN
  local name="$1" team id
  case "$name" in
    ''|*[!A-Za-z0-9_-]*) die "a project name is letters, digits, - and _ (got '$name')" ;;
  esac
  id="$(api GET projects/ | "$VENV/bin/python" -c '
import json, sys
found = [p["id"] for p in json.load(sys.stdin)["results"] if p["name"] == sys.argv[1]]
print(found[0] if found else "")' "$name")"
  if [ -z "$id" ]; then
    team="$(cat "$DIR/team" 2>/dev/null || true)"
    if [ -z "$team" ]; then
      team="$(api POST teams/ '{"name":"crash-course"}' | json_field id)"
      echo "$team" > "$DIR/team"
    fi
    id="$(api POST projects/ "{\"name\":\"$name\",\"team\":\"$team\"}" | json_field id)"
  fi
  # The DSN is in the project's own record, not in the answer to its creation.
  api GET "projects/$id/" | json_field dsn
}

start() {
  install
  if running; then
    say "already running ($(cat "$DIR/url"), data in $DIR)"
  else
    local started=$SECONDS
    if [ ! -f "$DIR/token" ]; then
      mkdir -p "$DIR"
      configure
    else
      # Reuse the data (and its port: the DSNs name it).
      PORT="$(sed 's/.*://' "$DIR/url")"
    fi
    # No control socket: gunicorn would otherwise keep one under ~/.gunicorn/.
    (cd "$DIR" && PYTHONPATH="$DIR" DJANGO_SETTINGS_MODULE=bugsink_conf \
      "$VENV/bin/gunicorn" --bind "127.0.0.1:$PORT" --workers 1 --threads 4 \
      --no-control-socket --pid "$DIR/gunicorn.pid" --daemon \
      --error-logfile "$DIR/gunicorn.log" --capture-output bugsink.wsgi)
    for _ in $(seq 1 50); do [ -f "$DIR/gunicorn.pid" ] && break; sleep 0.1; done
    wait_ready
    say "serving $(cat "$DIR/url") in $((SECONDS - started)) s (login: $DIR/login)"
  fi
  [ ${#PROJECTS[@]} -gt 0 ] || PROJECTS=(demo-app)
  echo "export BUGSINK_URL=$(cat "$DIR/url")"
  echo "export BUGSINK_TOKEN=$(cat "$DIR/token")"
  echo "export BUGSINK_DIR=$DIR"
  local name
  for name in "${PROJECTS[@]}"; do
    echo "export BUGSINK_DSN_$(echo "$name" | tr 'a-z-' 'A-Z_')=$(project_dsn "$name")"
  done
}

stop() {
  if running; then
    local pid
    pid="$(cat "$DIR/gunicorn.pid")"
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid"
    fi
    say "stopped"
  else
    say "not running"
  fi
  rm -f "$DIR/gunicorn.pid"
  if [ -n "$PURGE" ] && [ -f "$DIR/bugsink_conf.py" ]; then
    rm -rf "$DIR"
    say "removed $DIR"
  fi
}

command="${1:-help}"
[ $# -gt 0 ] && shift
case "$command" in
  install) parse_flags "$@"; install ;;
  start) parse_flags "$@"; start ;;
  project)
    name="${1:-}"; [ -n "$name" ] || die "project needs a NAME"; shift
    parse_flags "$@"
    running || die "no Bugsink runs with data in $DIR (start it first)"
    project_dsn "$name" ;;
  stop) parse_flags "$@"; stop ;;
  status)
    parse_flags "$@"
    if running; then echo "running: $(cat "$DIR/url") (data in $DIR)"; else echo "not running"; exit 1; fi ;;
  help|-h|--help) usage ;;
  *) echo "bugsink: unknown command '$command'" >&2; usage ;;
esac

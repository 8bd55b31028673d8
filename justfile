# Crash Course recipes. `just` lists them; each is a plain command you can copy.

# List the recipes
default:
    @just --list

# Serve demo-app in MODE (dev or prod) on BIND (for a room: `just serve prod 0.0.0.0:8080`; dev beyond loopback warns what it exposes), with a random throwaway ops token so the /ops switches work
serve mode="dev" bind="127.0.0.1:8080":
    #!/usr/bin/env bash
    set -euo pipefail
    export DEMO_APP_OPS_TOKEN="${DEMO_APP_OPS_TOKEN:-workshop-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}"
    echo "ops token for this run: $DEMO_APP_OPS_TOKEN" >&2
    cargo run -p demo-app -- --mode {{mode}} --bind {{bind}}

# Run scenarios (all by default) in both modes, side by side
run *args:
    cargo run -p harness -- run {{args}}

# Run every scenario and write the HTML comparison report to report.html
report *args:
    cargo run -p harness -- run --report report.html {{args}}
    @echo "open report.html in a browser"

# List the scenarios
list:
    cargo run -p harness -- list

# Show one scenario's lesson and steps
show scenario:
    cargo run -p harness -- show {{scenario}}

# Start a scenario of your own from a template that runs (e.g. `just new crash.unwrap-none my-case`)
new class name:
    cargo run -p harness -- new {{class}} {{name}}

# Run the whole test suite
test:
    cargo test --workspace

# Rewrite the scenario snapshots, then show what changed
snapshots:
    INSTA_UPDATE=always cargo test -p harness --test snapshots
    git status --short harness/tests/snapshots

# Format check and clippy, as CI does
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Run the criterion benchmarks (leak scanning, parsing, rendering)
bench:
    cargo bench --workspace

# Retry storms: five retry policies through the same short outage, with a chart and report storm.html
storm *args:
    cargo run -p harness -- storm --report storm.html {{args}}

# An incident game day (docs/incident-response.md): a hidden incident, you on call; with a report and a postmortem draft
drill *args:
    cargo run -p harness -- drill --report drill.html --postmortem postmortem.md {{args}}

# Success vs prod 500 vs dev 500 under load, as ratios (release build)
load *args:
    cargo run --release -p harness -- load {{args}}

# Instructions per request, success vs prod 500, counted by valgrind (steady where timings are noisy; docs/performance.md)
instructions:
    #!/usr/bin/env bash
    set -euo pipefail
    for tool in valgrind callgrind_control wrk curl; do
        command -v "$tool" >/dev/null 2>&1 || { echo "$tool is not installed (Debian/Ubuntu: apt-get install valgrind wrk curl)" >&2; exit 127; }
    done
    cargo build --release -p harness
    harness="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/harness"
    work=$(mktemp -d)
    app=""
    trap '[ -n "$app" ] && kill "$app" 2>/dev/null; rm -rf "$work"' EXIT
    count() { # PATH LABEL: one app under callgrind, warmed up, then 5 s of requests counted
        valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.%p" \
            "$harness" serve-app --mode prod --bind 127.0.0.1:18190 \
            --database-url "sqlite://$work/$2.sqlite3?mode=rwc" >/dev/null 2>"$work/$2.log" &
        app=$!
        for _ in $(seq 60); do curl -s -o /dev/null "http://127.0.0.1:18190/healthz" && break; sleep 1; done
        wrk -t1 -c4 -d3s "http://127.0.0.1:18190$1" >/dev/null
        callgrind_control -i on "$app" >/dev/null 2>&1; callgrind_control -z "$app" >/dev/null 2>&1
        requests=$(wrk -t1 -c4 -d5s "http://127.0.0.1:18190$1" | awk '/requests in/ {print $1}')
        callgrind_control -d "$app" >/dev/null 2>&1
        kill "$app"; wait "$app" 2>/dev/null || true; app=""
        total=$(awk '/^totals:/ {print $2; exit}' "$work"/cg.*.1)
        rm -f "$work"/cg.*
        echo $(( total / requests ))
    }
    success=$(count /customers/1 success)
    failure=$(count /customers/4 error)
    echo "instructions per request: success ${success}, prod error ${failure}, the error's extra $(( failure - success )) ($(awk "BEGIN {printf \"%.2f\", $success / $failure}") x)"

# Start the local PostgreSQL server if it is down, then check it answers
postgres:
    pg_isready -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
    pg_isready -h 127.0.0.1 -p 5432

# Create the table-only PostgreSQL role demo-app serves as (crash_course_app), or make it an ordinary role again with the lab's password
postgres-app-role:
    psql "${CRASH_COURSE_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}" -v ON_ERROR_STOP=1 -c "SET client_min_messages TO error; DO \$\$ BEGIN CREATE ROLE crash_course_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$; ALTER ROLE crash_course_app LOGIN PASSWORD 'crash-course-lab' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS; REVOKE pg_read_server_files, pg_write_server_files, pg_execute_server_program FROM crash_course_app"

# Prometheus on 127.0.0.1:9090 with the 5xx alert rules, scraping the demo-app of `just serve prod` on 8080 (start that first, in another terminal)
monitor:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v prometheus >/dev/null 2>&1; then
        echo "prometheus is not installed (Debian/Ubuntu: apt-get install prometheus)" >&2
        exit 127
    fi
    echo "Scraping http://127.0.0.1:8080/metrics every 5 s: run demo-app there with 'just serve prod' in another terminal"
    echo "(with DEMO_APP_OPS_TOKEN set to a token you know, to deploy v2: docs/operations.md#watch-the-alerts-fire)."
    echo "Alerts: http://127.0.0.1:9090/alerts   Ctrl-C stops Prometheus; its data is a temporary folder, removed then."
    data=$(mktemp -d)
    trap 'rm -rf "$data"' EXIT
    prometheus --config.file=demo-app/monitoring/prometheus.yml --web.listen-address=127.0.0.1:9090 --storage.tsdb.path="$data"

# A real error tracker: Bugsink on 127.0.0.1:8790 (installed into a venv on first use; `just tracker stop` stops it). Prints BUGSINK_URL, BUGSINK_TOKEN and the DSNs: `eval "$(just tracker)"`
tracker *args="start --project dev --project prod":
    bash demo-app/tracker/bugsink.sh {{args}}

# Check the Prometheus rules and run their unit tests (needs promtool: apt-get install prometheus)
monitor-check:
    bash demo-app/monitoring/check.sh

# What CI runs
ci:
    bash .ci/run

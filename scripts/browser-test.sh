#!/usr/bin/env bash
# Walks the web UI in a real browser: headless Chromium, driven by Selenium, runs the journeys of Tests/Browser against
# a live da-server (sample dataset, a seeded admin, email through a local STARTTLS + AUTH SMTP server). Every page a
# journey checks must load without console errors (CSP violations included) and without requests to other hosts;
# its screenshots (1280 and 375 px wide) land in .build/screenshots. Bounded: BROWSER_TEST_SECONDS (default 300)
# for everything after the one-time installs.
#
#   scripts/browser-test.sh BIN_DIR [WORK_DIR [JOURNEY...]]
#
# BIN_DIR holds da-server and da (swift build --show-bin-path). WORK_DIR (default .build/browser-test) keeps the
# Selenium virtualenv and the last run's logs; the server's data, config and mail directories are fresh each run.
# JOURNEY names (journey_… functions) run only those.
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=${1:?usage: scripts/browser-test.sh BIN_DIR [WORK_DIR [JOURNEY...]]}
work=${2:-$PWD/.build/browser-test}
shift $(($# < 2 ? $# : 2))
selenium_version=4.51.0 # 4.52 needs a newer certifi than the package index has
time_limit=${BROWSER_TEST_SECONDS:-300}
screenshots=$PWD/.build/screenshots

# Chromium and its driver come from Debian: selenium-manager (which would download them) is never used.
missing=""
for package in chromium chromium-driver; do dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"; done
if [ -n "$missing" ]; then
    echo "browser test: installing$missing"
    sudo=$([ "$(id -u)" = 0 ] || echo sudo)
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi

bin_dir=$(cd "$bin_dir" && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)
venv="$work/venv-$selenium_version"
if ! "$venv/bin/python" -c 'import selenium' 2>/dev/null; then
    echo "browser test: installing selenium $selenium_version"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "selenium==$selenium_version"
fi

deadline=$((SECONDS + time_limit))
run=$(mktemp -d "$work/run.XXXXXX")
browser_tmp=$(mktemp -d /tmp/browser-test.XXXXXX) # Chromium's profiles and sockets (short paths: a socket's is limited)
log="$work/server.log"
server_pid=""
smtp_pid=""
cleanup() {
    for pid in $server_pid $smtp_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    cp "$run/maildir/server.log" "$work/smtp.log" 2>/dev/null || true
    rm -rf "$run" "$browser_tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
secret() { python3 -c 'import secrets; print(secrets.token_hex(24))'; }

# The SMTP server the invitation mails go to (the tests' own fixture): STARTTLS with a throw-away certificate for
# 127.0.0.1, AUTH required; each message becomes maildir/N.eml. The server is reached at 127.0.0.1, not localhost:
# localhost is tried as ::1 first, where another program may hold the same port number.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$run/smtp-key.pem" -out "$run/smtp-cert.pem" -days 1 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1
mkdir "$run/maildir"
smtp_port=$(free_port)
smtp_password=$(secret)
/usr/bin/python3 Tests/TestSupport/Fixtures/smtp_server.py "$smtp_port" "$run/maildir" "$run/smtp-cert.pem" \
    "$run/smtp-key.pem" mailer "$smtp_password" >"$work/smtp.out" 2>&1 &
smtp_pid=$!
for _ in $(seq 1 300); do
    [ -e "$run/maildir/ready" ] && break
    kill -0 "$smtp_pid" 2>/dev/null || { echo "browser test: the SMTP server exited:"; cat "$work/smtp.out"; exit 1; }
    sleep 0.1
done
[ -e "$run/maildir/ready" ] || { echo "browser test: the SMTP server did not start"; exit 1; }

mkdir "$run/config"
cat >"$run/config/instance.yaml" <<EOF
instance:
  name: "Browser Test Co"
email:
  smtp_host: "127.0.0.1"
  smtp_port: $smtp_port
  smtp_tls: "starttls"
  smtp_user: "mailer"
  smtp_password: "$smtp_password"
  smtp_ca_file: "$run/smtp-cert.pem"
  from_address: "analyst@browser-test.example"
  from_name: "Browser Test Co"
EOF

"$bin_dir/da-server" sample-data --data-dir "$run/data" --size xs --seed 7 >/dev/null
port=$(free_port)
admin_password=$(secret)
# The environment would win over instance.yaml, so the caller's mail and URL settings are dropped.
(cd "$run" && exec env -u SMTP_HOST -u SMTP_PORT -u SMTP_TLS -u SMTP_USER -u SMTP_PASSWORD -u SMTP_FROM \
    -u SMTP_CA_FILE -u SERVER_URL JWT_SECRET_KEY="browser-test-$(secret)" CONFIG_DIR="$run/config" \
    SEED_ADMIN_EMAIL=admin@example.com SEED_ADMIN_PASSWORD="$admin_password" \
    "$bin_dir/da-server" serve --data-dir "$run/data" --host 127.0.0.1 --port "$port") >"$log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 200); do
    curl -fsS "$base/api/health/ready" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { echo "browser test: da-server exited:"; cat "$log"; exit 1; }
    sleep 0.1
done
curl -fsS "$base/api/health/ready" >/dev/null || { echo "browser test: da-server is not healthy:"; tail -n 30 "$log"; exit 1; }

rm -rf "$screenshots"
mkdir -p "$screenshots"
remaining=$((deadline - SECONDS))
status=0
# run.py stops itself shortly before the limit (saving what the browsers show); timeout is the hard stop. The XDG
# directories keep what Chromium writes besides its temporary profile (crash-report settings, caches) in WORK_DIR,
# and Python's bytecode goes there too: the run writes nothing outside .build and /tmp.
DA_SERVER_URL="$base" DA_ADMIN_EMAIL=admin@example.com DA_ADMIN_PASSWORD="$admin_password" DA_BIN_DIR="$bin_dir" \
    DA_SCREENSHOTS="$screenshots" DA_SERVER_LOG="$log" DA_MAILDIR="$run/maildir" \
    DA_TIME_LIMIT=$((remaining - (remaining > 40 ? 10 : remaining / 4))) \
    XDG_CONFIG_HOME="$work/chromium-home/config" XDG_CACHE_HOME="$work/chromium-home/cache" TMPDIR="$browser_tmp" \
    PYTHONPYCACHEPREFIX="$work/pycache" \
    timeout --kill-after=5 "$remaining" "$venv/bin/python" Tests/Browser/run.py "$@" || status=$?
if [ "$status" -ne 0 ]; then
    [ "$status" -eq 124 ] && echo "browser test: stopped at the time limit (BROWSER_TEST_SECONDS=$time_limit)"
    echo "browser test: failed (exit $status); screenshots in $screenshots; the server's log is $log:"
    tail -n 30 "$log"
fi
exit "$status"

#!/usr/bin/env bash
# Fuzzes a live da-server against openapi.yaml with schemathesis: every operation, signed in as an admin, over the
# sample dataset. Fails on any 5xx answer and on any answer the contract does not describe (status, content type,
# headers, body schema). Bounded: a fixed number of examples per operation, and a time limit for the whole run.
#
#   scripts/contract-test.sh BIN_DIR [WORK_DIR]
#
# BIN_DIR holds da-server (swift build --show-bin-path). WORK_DIR (default .build/contract-test) keeps the
# schemathesis virtualenv between runs; the server's data directory is made fresh each run.
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=${1:?usage: scripts/contract-test.sh BIN_DIR [WORK_DIR]}
work=${2:-$PWD/.build/contract-test}
schemathesis_version=4.32.5
examples=${CONTRACT_TEST_EXAMPLES:-10}
time_limit=${CONTRACT_TEST_SECONDS:-180}

mkdir -p "$work"
venv="$work/venv-$schemathesis_version"
if [ ! -x "$venv/bin/st" ]; then
    echo "contract test: installing schemathesis $schemathesis_version"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==$schemathesis_version"
fi

data=$(mktemp -d "$work/data.XXXXXX")
log="$work/server.log"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$data"
}
trap cleanup EXIT

"$bin_dir/da-server" sample-data --data-dir "$data" --size xs --seed 7 >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
password="contract-test-$(date +%s)-password"
# Started in the work directory with CONFIG_DIR unset, so no instance.yaml applies: the defaults are tested. A Jira
# webhook secret is set, so the fuzzer reaches the webhook's checks (without one it answers 503 by design).
(cd "$work" && unset CONFIG_DIR && exec env JWT_SECRET_KEY="contract-test-secret-$(date +%s%N)-0123456789abcdef" \
    SEED_ADMIN_EMAIL=admin@example.com SEED_ADMIN_PASSWORD="$password" JIRA_WEBHOOK_SECRET="contract-test-jira-$(date +%s%N)" \
    "$bin_dir/da-server" serve --data-dir "$data" --host 127.0.0.1 --port "$port") >"$log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 200); do
    curl -fsS "$base/api/health/ready" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { echo "contract test: da-server exited:"; cat "$log"; exit 1; }
    sleep 0.1
done
sign_in() {
    curl -fsS "$base/auth/token" -H 'Content-Type: application/json' \
        -d "{\"email\":\"admin@example.com\",\"password\":\"$password\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# Runs schemathesis over the operations its arguments select: fuzz TOKEN SECONDS ARGS…
fuzz() {
    local token=$1 seconds=$2
    shift 2
    "$venv/bin/st" run Sources/AnalystAPI/openapi.yaml --url "$base" \
        --header "Authorization: Bearer $token" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
        --phases examples,coverage,fuzzing --max-examples "$examples" --max-time "$seconds" \
        --seed 1 --workers 2 --no-color --generation-database none --generation-with-security-parameters false \
        --suppress-health-check all "$@"
}

# Schemathesis reuses what answers reveal (user ids, setup-link tokens), so operations that can end the run's own
# sign-in (a new password or a demotion revokes the admin's tokens; logout revokes the one in use) run last, on
# their own. The stateful phase is left out: it would chain real ids into every destructive call.
enders=(setupPassword submitSetupPasswordPage updateUser deleteUser submitUserRolePage submitUserDeletePage logout
    submitLogoutPage)
include=() exclude=()
for operation in "${enders[@]}"; do
    include+=(--include-operation-id "$operation")
    exclude+=(--exclude-operation-id "$operation")
done
# Both tokens before any fuzzing: the fuzzer's wrong passwords (POST /auth/token, POST /login) soon rate-limit
# sign-ins from this address for 15 minutes. A sign-in that fails stops the script (set -e), never fuzzes unsigned.
first_token=$(sign_in)
second_token=$(sign_in)
status=0
fuzz "$first_token" $((time_limit * 4 / 5)) "${exclude[@]}" || status=$?
fuzz "$second_token" $((time_limit / 5)) "${include[@]}" || status=$?
if [ "$status" -ne 0 ]; then
    echo "contract test: failed (exit $status); the server's log is $log"
    tail -n 20 "$log"
fi
exit "$status"

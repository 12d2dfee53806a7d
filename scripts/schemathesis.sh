#!/bin/sh
# Runs schemathesis against the daemon's operator API: the daemon starts on its embedded default with an
# HS256 secret and scripts/ari-stub.py as its Asterisk (REST only: outbound calls are dialled and ring
# until the daemon gives up on them), every destination allowed, a token with every scope is minted, and
# every operation in openapi.json is fuzzed with every check, then the stateful phase follows the links
# from POST /v1/calls to the placed call's routes; any finding fails. /ready is left out: without the
# events WebSocket it answers 503 by design, which the server-error check would count; /v1/events is a
# stream that never ends (tested end to end in the suite).
set -eu
cd "$(dirname "$0")/.."
bin=.build/debug/voicegatewayd
[ -x "$bin" ] || swift build --product voicegatewayd
command -v schemathesis >/dev/null 2>&1 || pip install -q "schemathesis==${SCHEMATHESIS_VERSION:-4.32.5}"
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
ari_port=$(free_port)
python3 scripts/ari-stub.py "$ari_port" &
stub=$!
export VOICEGW_HTTP_PORT=$port
export VOICEGW_HTTP_AUTH_HS256_SECRET="schemathesis-secret-$(date +%s%N)-of-at-least-32-bytes"
export VOICEGW_EVENTS_FILE="$work/events.jsonl"
export VOICEGW_EVENTS_SPOOL_DIR="$work/spool"
export VOICEGW_ARI_URL="http://127.0.0.1:$ari_port"
export VOICEGW_CALLS_ALLOWED_DESTINATIONS="+1*,+2*,+3*,+4*,+5*,+6*,+7*,+8*,+9*"
export VOICEGW_HTTP_RATE_LIMIT_REQUESTS_PER_S=0   # hundreds of requests a second: the budget is tested in the suite
"$bin" run >"$work/daemon.log" 2>&1 &
daemon=$!
trap 'kill $daemon $stub 2>/dev/null; wait $daemon $stub 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
for _ in $(seq 1 300); do
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "http://127.0.0.1:$port/health" 2>/dev/null && break
  sleep 0.1
done
token=$("$bin" token --tenant default --scope "calls:read calls:write admin" --ttl 3600)
schemathesis run "http://127.0.0.1:$port/openapi.json" --header "Authorization: Bearer $token" \
  --checks all --max-examples "${EXAMPLES:-40}" --seed 1 --no-color --exclude-path /ready --exclude-path /v1/events

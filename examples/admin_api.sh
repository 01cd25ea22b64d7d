#!/usr/bin/env bash
# Control `fakeai serve` over HTTP, from any language: script what the next run says, inject a
# fault, read the journal. The admin API lives under /_fakeai/ and acts on the caller's key only.
# Start a server first:  fakeai serve --port 8000
# then:  OPENAI_BASE_URL=http://127.0.0.1:8000/v1 bash examples/admin_api.sh
set -euo pipefail
BASE="${OPENAI_BASE_URL:-http://127.0.0.1:8000/v1}"
ADMIN="${BASE%/v1}/_fakeai"
KEY="${OPENAI_API_KEY:-sk-anything}"
api() { curl -sS -H "Authorization: Bearer $KEY" -H "OpenAI-Beta: assistants=v2" \
             -H "Content-Type: application/json" "$@"; }
admin() { curl -sS -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" -w '\n' "$@"; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

admin "$ADMIN/reset" -d '{}'                      # start afresh (this key only)
admin "$ADMIN/script" -d '{"actions": [{"reply": "Scripted over HTTP."}]}'
admin "$ADMIN/faults" -d '{"status": 429, "path": "/threads/runs", "retry_after_ms": 1}'

assistant=$(api "$BASE/assistants" -d '{"model": "gpt-4o"}' | field id)
create_and_run() {  # prints the body, then the HTTP status on a line of its own
    api "$BASE/threads/runs" -w '\n%{http_code}' \
        -d "{\"assistant_id\": \"$assistant\", \"thread\": {\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}}"
}
answer=$(create_and_run)
echo "first try: HTTP ${answer##*$'\n'}"          # the injected 429; an SDK would retry by itself
answer=$(create_and_run)
echo "second try: HTTP ${answer##*$'\n'}"
run_json=${answer%$'\n'*}
thread=$(printf '%s' "$run_json" | field thread_id)
run=$(printf '%s' "$run_json" | field id)

echo "run: $(api "$BASE/threads/$thread/runs/$run" | field status)"
api "$BASE/threads/$thread/messages?limit=1" \
    | python3 -c 'import json,sys; print("reply:", json.load(sys.stdin)["data"][0]["content"][0]["text"]["value"])'

echo "journal:"
admin "$ADMIN/journal" | python3 -c '
import json, sys
for entry in json.load(sys.stdin)["data"]:
    print(" ", entry["method"], entry["path"], entry["status"], entry["request_id"])'

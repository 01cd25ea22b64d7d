#!/usr/bin/env bash
# The same API with curl. Start a server first:  fakeai serve --port 8000
# then:  OPENAI_BASE_URL=http://127.0.0.1:8000/v1 bash examples/curl_against_server.sh
set -euo pipefail
BASE="${OPENAI_BASE_URL:-http://127.0.0.1:8000/v1}"
KEY="${OPENAI_API_KEY:-sk-anything}"
api() { curl -sS -H "Authorization: Bearer $KEY" -H "OpenAI-Beta: assistants=v2" \
             -H "Content-Type: application/json" "$@"; }

thread=$(api "$BASE/threads" -d '{"messages": [{"role": "user", "content": "Hello, what is AI?"}]}')
echo "$thread"
id=$(printf '%s' "$thread" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

api "$BASE/threads/$id/messages?order=asc&limit=5"
api "$BASE/threads/$id" -X DELETE

"""Records a short Assistants session into a vcrpy cassette, as a suite recorded the real API before
it was shut down: the openai SDK against ``fakeai serve`` (OPENAI_BASE_URL), recorded by vcrpy.
``cassettes/session.yaml`` was made by it; ``fakeai validate examples/cassettes`` checks it.

The host is written as api.openai.com and the headers that differ between machines (the key, the
SDK's platform headers, the date, the time taken) are left out, so a fresh server records the same
cassette on every machine.

    fakeai serve --port 8000 &
    OPENAI_BASE_URL=http://127.0.0.1:8000/v1 OPENAI_API_KEY=sk-anything python record_cassette.py cassettes/session.yaml
"""

import os
import sys

import openai
import vcr

API = "https://api.openai.com/v1"
DROPPED_REQUEST_HEADERS = ("authorization", "host", "user-agent", "x-stainless-")
DROPPED_RESPONSE_HEADERS = ("date", "openai-processing-ms")


def as_recorded_from_the_api(request):
    request.uri = request.uri.replace(os.environ["OPENAI_BASE_URL"].rstrip("/"), API)
    request.headers = {name: value for name, value in request.headers.items()
                       if not name.lower().startswith(DROPPED_REQUEST_HEADERS)}
    return request


def without_varying_headers(response):
    response["headers"] = {name: values for name, values in response["headers"].items()
                           if name.lower() not in DROPPED_RESPONSE_HEADERS}
    return response


def main(path: str) -> None:
    recorder = vcr.VCR(before_record_request=as_recorded_from_the_api,
                       before_record_response=without_varying_headers, record_mode="all")
    with recorder.use_cassette(path), openai.OpenAI(max_retries=0) as client:
        assistant = client.beta.assistants.create(model="gpt-4o", name="Support")
        thread = client.beta.threads.create(messages=[{"role": "user", "content": "My router keeps rebooting."}])
        client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
        for message in client.beta.threads.messages.list(thread.id, order="asc"):
            print(f"{message.role}: {message.content[0].text.value}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "cassettes/session.yaml")

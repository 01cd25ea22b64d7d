"""16 SDK clients at once on one real server (the default engine), for a bounded time, mixing
thread creates, message creates, polled runs and streamed runs: no write is lost, no id is given
twice, no answer is a 5xx, and the emulator records no problem of its own (a lock violation, a
contract violation)."""

from __future__ import annotations

import threading
import time
from collections import Counter

import openai

from fakeai import FakeOpenAI
from fakeai.server import ServerThread

CLIENTS = 16
SECONDS = 3


def client_loop(base_url: str, assistant_id: str, number: int, start: threading.Barrier, written: dict, ids: list,
                failures: list) -> None:
    """One client's turns for SECONDS once every client is built (at least one turn): a thread with a
    message, two more messages, then a run polled to completion or streamed (in turn). Records each
    message it wrote, by thread."""
    with openai.OpenAI(base_url=base_url, api_key="sk-test", max_retries=0) as client:
        start.wait(timeout=60)
        deadline = time.monotonic() + SECONDS
        turn = 0
        while turn == 0 or time.monotonic() < deadline:
            try:
                thread = client.beta.threads.create(messages=[{"role": "user", "content": f"client {number} turn {turn}"}])
                first = client.beta.threads.messages.list(thread.id).data[0]
                written[thread.id] = [first.id]
                for extra in range(2):
                    message = client.beta.threads.messages.create(thread.id, role="user", content=f"more {extra}")
                    written[thread.id].append(message.id)
                if turn % 2:
                    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant_id) as events:
                        run = events.get_final_run()
                else:
                    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant_id)
                if run.status != "completed":
                    failures.append(f"run {run.id} ended {run.status}")
                ids.extend([thread.id, run.id, *written[thread.id]])
            except Exception as error:  # a 5xx, any refusal, a broken stream: none is expected
                failures.append(f"client {number}: {type(error).__name__}: {error}")
            turn += 1


def test_sixteen_clients_at_once_lose_no_write_and_share_no_id():
    emulator = FakeOpenAI(bugs="respond")
    with ServerThread(emulator.app) as server:
        with openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as client:
            assistant_id = client.beta.assistants.create(model="gpt-4o").id
        written: dict[str, list[str]] = {}
        ids: list[str] = []
        failures: list[str] = []
        start = threading.Barrier(CLIENTS)
        clients = [threading.Thread(target=client_loop, args=(server.base_url, assistant_id, number, start,
                                                              written, ids, failures)) for number in range(CLIENTS)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(timeout=60)

        assert failures == []
        assert len(written) >= CLIENTS  # every client did a turn at least
        with openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as client:
            for thread_id, message_ids in written.items():
                listed = [message.id for message in client.beta.threads.messages.list(thread_id, order="asc")]
                assert listed[:len(message_ids)] == message_ids, thread_id  # the reply follows them
    assert [item for item, count in Counter(ids).items() if count > 1] == []
    assert [entry for entry in emulator.requests if entry.status >= 500] == []
    assert emulator.problems == []

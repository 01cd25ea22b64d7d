"""How fast is fakeai, measured so that the answer does not depend on the machine.

Every number is judged as a ratio against a baseline measured in the same run, so the speed of
the machine cancels out:

* create + retrieve a thread through fakeai vs through the same ``openai`` SDK client whose
  transport returns a canned response (the "floor": what the SDK itself costs, which every
  in-process fake pays and none can beat);
* a page of 20 messages from a thread of 100,000 vs one of 100 (a page should cost the page, not
  the thread), both for the first page and for a page in the middle reached with ``after=``;
* one full run cycle (create a run, poll it to completion with the SDK's ``create_and_poll``, list
  the messages) vs one thread create: polling must not wait;
* one run (``create_and_poll``) on a thread of 50,000 messages vs on a thread of 10: a run costs
  what it produces, not what its thread holds (goal: within 2x);
* a streamed run with a 500-character reply (``runs.stream`` to the end) vs the same run not
  streamed (reported, no goal set);
* upload a 1 MB text file, attach it to a vector store (``vector_stores.files.create_and_poll``)
  and search the store, vs one thread create: ingesting a megabyte (chunking it, indexing its
  words) must stay cheap;
* one search of a vector store holding 1,000 small files vs one thread create; the cost of a query
  is also printed in milliseconds under the table. The store is built once, before timing: 1,000
  uploads, one ``file_batches.create`` naming them all, and a ``file_batches.retrieve`` that lets
  them settle.

Method: warm up, pick N so that one repeat takes about ``Settings.repeat_seconds``, time
``Settings.repeats`` repeats of N iterations with ``time.perf_counter`` (the two cases of a row take
turns, so drift and a busy machine hit both alike) and keep the median. Nothing is asserted: the
table reports, the exit code is always 0.

    python benchmarks/run.py            # the full run (well under a minute)
    python benchmarks/run.py --quick    # a few iterations, a store of 100 files: proves the script runs
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import platform
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Callable

import openai

from fakeai import FakeOpenAI
from fakeai.resources.messages import new_message
from fakeai.resources.files import delete_file
from fakeai.resources.threads import create_thread
from fakeai.resources.vector_stores import create_vector_store, delete_vector_store
from fakeai.transport import DEFAULT_BASE_URL, http_library_of_openai

SMALL_THREAD = 100
LARGE_THREAD = 100_000
PAGE = 20
#: Messages of the threads the run-cost row runs on.
SHORT_RUN_THREAD = 10
LONG_RUN_THREAD = 50_000

#: What the floor transport answers to every request: a thread as the API (and fakeai) sends it.
CANNED_THREAD = json.dumps({
    "id": "thread_abc123abc123abc123abc123",
    "object": "thread",
    "created_at": 1_735_689_600,
    "metadata": {},
    "tool_resources": {},
}, indent=2).encode()


@dataclass(frozen=True)
class Settings:
    repeats: int
    repeat_seconds: float
    warmup_seconds: float
    store_files: int  # files in the store that the search row queries


FULL = Settings(repeats=7, repeat_seconds=0.25, warmup_seconds=0.2, store_files=1_000)
QUICK = Settings(repeats=2, repeat_seconds=0.01, warmup_seconds=0.005, store_files=100)


#: Goals of the file rows, in threads.create calls. Four requests (upload, attach, the poll's
#: retrieve, search) plus chunking and indexing a megabyte measured 100-136 in full runs on a 2-core
#: machine under heavy load (indexing the chunks' words is most of it): 150 is the goal.
#: A query over 1,000 small files measured 5-7: it may cost 10 requests.
GOAL_BIG_FILE = 150
GOAL_SEARCH = 10

REPLY_500 = ("fakeai streams this reply in deltas. " * 15)[:500]

BIG_FILE_BYTES = 1_000_000
#: Words of the generated documents: "w0" .. "w4095", drawn in a fixed order.
VOCABULARY = 4_096
#: What the store of small files is asked, in turn (each query matches some files, not all).
QUERIES = ("w12 w345 w2048", "w7 w3000", "w99 w100 w101 w4000", "w1234", "w5 w55 w555")


def words(count: int, start: int = 0) -> str:
    """``count`` words of VOCABULARY, the same on every run (a stride prime to VOCABULARY mixes them)."""
    return " ".join(f"w{(start + index * 2_971) % VOCABULARY}" for index in range(count))


def big_text(size: int = BIG_FILE_BYTES) -> bytes:
    """About ``size`` bytes of words (cut at a word boundary), as a text file would hold them."""
    text = words(size // 5 + 1)[:size]
    return text[:text.rfind(" ")].encode()


@dataclass(frozen=True)
class Row:
    case: str
    measured: float  # microseconds per iteration
    baseline: float  # microseconds per iteration, measured in the same run
    goal: float | None  # the ratio to stay under, if one is set

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline


# --- clients -------------------------------------------------------------------------------------

def floor_client() -> openai.OpenAI:
    """The SDK client fakeai hands out, with a transport that does nothing but answer CANNED_THREAD."""
    http = http_library_of_openai()

    class CannedTransport(http.BaseTransport):
        def handle_request(self, request):
            request.read()
            return http.Response(200, headers={"content-type": "application/json",
                                               "x-request-id": "req_0123456789abcdef0123456789abcdef"},
                                 content=CANNED_THREAD, request=request)

    return openai.OpenAI(api_key="sk-floor", base_url=DEFAULT_BASE_URL,
                         http_client=openai.DefaultHttpxClient(transport=CannedTransport()))


def thread_with_messages(emulator: FakeOpenAI, count: int) -> str:
    """A thread holding ``count`` messages, added through the domain layer (no HTTP per message)."""
    thread_id = emulator.client.beta.threads.create().id
    record = emulator.state.threads[thread_id]
    for _ in range(count):
        record.messages.add(new_message(emulator.state, thread_id, {"role": "user", "content": "hi"},
                                        emulator.now()))
    return thread_id


def middle_message_id(emulator: FakeOpenAI, thread_id: str) -> str:
    messages = list(emulator.state.threads[thread_id].messages)
    return messages[len(messages) // 2]["id"]


# --- the operations timed ------------------------------------------------------------------------

def create_and_retrieve(client: openai.OpenAI) -> Callable[[], None]:
    def operation():
        thread = client.beta.threads.create()
        client.beta.threads.retrieve(thread.id)
    return operation


def run_cycle(emulator: FakeOpenAI, assistant_id: str) -> Callable[[], None]:
    """Create a run, poll it to completion, list the thread's messages (each cycle on a fresh
    thread, made through the domain layer so that only the cycle's three calls are timed)."""
    client = emulator.client

    def operation():
        thread = create_thread(emulator.state, {"messages": [{"role": "user", "content": "hi"}]})
        client.beta.threads.runs.create_and_poll(thread_id=thread["id"], assistant_id=assistant_id)
        client.beta.threads.messages.list(thread["id"]).data
    return operation


def run_on_thread(emulator: FakeOpenAI, assistant_id: str, thread_id: str) -> Callable[[], None]:
    """One run polled to completion on an existing thread; its reply is deleted again through the
    domain layer, so the thread stays the size it was."""
    client, record = emulator.client, emulator.state.threads[thread_id]

    def operation():
        run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id)
        for message in reply_of(record, run.id):
            record.messages.remove(message["id"])
    return operation


def reply_of(record, run_id: str) -> list:
    """The messages a run wrote: the newest of its thread (found without walking all of them)."""
    newest, _ = record.messages.page(limit=5, order="desc")
    return [message for message in newest if message["run_id"] == run_id]


def thread_create(client: openai.OpenAI) -> Callable[[], None]:
    def operation():
        client.beta.threads.create(messages=[{"role": "user", "content": "hi"}])
    return operation


def streamed_run(client: openai.OpenAI, assistant_id: str, stream: bool) -> Callable[[], None]:
    """A run replying REPLY_500 on a fresh thread, streamed to the end or polled to completion."""
    def operation():
        thread = client.beta.threads.create()
        if stream:
            with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant_id) as events:
                events.until_done()
        else:
            client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant_id)
    return operation


def upload_attach_search(emulator: FakeOpenAI, data: bytes) -> Callable[[], None]:
    """Upload ``data`` as a text file, attach it to a store (polled until it settles) and search the
    store. The store is made, and the store and file are deleted afterwards, through the domain
    layer (no HTTP, cheap), so that what is timed is the three SDK calls (four requests) and
    memory stays flat."""
    client, state = emulator.client, emulator.state

    def operation():
        store = create_vector_store(state, {})
        file = client.files.create(file=("handbook.txt", data), purpose="assistants")
        vs_file = client.vector_stores.files.create_and_poll(file.id, vector_store_id=store["id"])
        if vs_file.status != "completed":
            raise RuntimeError(f"the file did not settle: {vs_file.last_error}")
        client.vector_stores.search(store["id"], query=QUERIES[0]).data
        delete_vector_store(state, state.store_records[store["id"]])
        delete_file(state, state.files.get(file.id))
    return operation


def store_of_small_files(client: openai.OpenAI, count: int) -> str:
    """A vector store of ``count`` small text files, settled: uploads, one batch, one retrieve."""
    file_ids = [client.files.create(file=(f"note-{number:04}.txt", words(30, start=number).encode()),
                                    purpose="assistants").id
                for number in range(count)]
    store = client.vector_stores.create(name="notes")
    batch = client.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=file_ids)
    batch = client.vector_stores.file_batches.retrieve(batch.id, vector_store_id=store.id)
    if batch.file_counts.completed != count:
        raise RuntimeError(f"the store did not settle: {batch.file_counts}")
    return store.id


def search_store(client: openai.OpenAI, store_id: str) -> Callable[[], None]:
    """One search of the store, with the next of QUERIES each time."""
    queries = itertools.cycle(QUERIES)

    def operation():
        client.vector_stores.search(store_id, query=next(queries)).data
    return operation


def messages_page(client: openai.OpenAI, thread_id: str, after: str | None = None) -> Callable[[], None]:
    """One page of PAGE messages (``.data`` of the first page the SDK returns: no auto-paging)."""
    options = {"after": after} if after else {}

    def operation():
        client.beta.threads.messages.list(thread_id, limit=PAGE, **options).data
    return operation


# --- timing --------------------------------------------------------------------------------------

def seconds_per_call(operation: Callable[[], None], seconds: float) -> float:
    """Warm up: one call for the one-off costs (the SDK's lazy imports, schema compilation: ~1 s),
    then calls for about ``seconds``, which tell how long one call takes once warm."""
    operation()
    calls, started = 0, time.perf_counter()
    while True:
        operation()
        calls += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return elapsed / calls


def time_repeat(operation: Callable[[], None], iterations: int) -> float:
    """Microseconds per iteration over one repeat."""
    gc.collect()
    started = time.perf_counter()
    for _ in range(iterations):
        operation()
    return (time.perf_counter() - started) / iterations * 1e6


def median_times(operations: list[Callable[[], None]], settings: Settings) -> list[float]:
    """Median microseconds per iteration of each operation; their repeats take turns."""
    iterations = [max(1, round(settings.repeat_seconds / seconds_per_call(op, settings.warmup_seconds)))
                  for op in operations]
    samples: list[list[float]] = [[] for _ in operations]
    for _ in range(settings.repeats):
        for operation, count, times in zip(operations, iterations, samples):
            times.append(time_repeat(operation, count))
    return [statistics.median(times) for times in samples]


def compare(case: str, measured: Callable[[], None], baseline: Callable[[], None],
            settings: Settings, goal: float | None = 1.5) -> Row:
    return Row(case, *median_times([measured, baseline], settings), goal)


# --- output --------------------------------------------------------------------------------------

def header(settings: Settings) -> str:
    return (f"fakeai benchmarks: openai {openai.__version__} on {http_library_of_openai().__name__}, "
            f"Python {platform.python_version()}; microseconds per iteration, median of "
            f"{settings.repeats} repeats of ~{settings.repeat_seconds:g} s")


def table(rows: list[Row]) -> str:
    lines = [("case", "measured", "baseline", "ratio", "goal")]
    for row in rows:
        if row.goal is None:
            goal = "(reported)"
        else:
            goal = f"<= {row.goal:g} ({'met' if round(row.ratio, 2) <= row.goal else 'MISSED'})"  # as shown
        lines.append((row.case, f"{row.measured:,.1f} us", f"{row.baseline:,.1f} us",
                      f"{row.ratio:.2f}", goal))
    widths = [max(len(line[column]) for line in lines) for column in range(len(lines[0]))]
    rule = "-+-".join("-" * width for width in widths)

    def render(line):
        first, *numbers = line
        return " | ".join([first.ljust(widths[0])] + [cell.rjust(width) for cell, width
                                                       in zip(numbers, widths[1:])])
    return "\n".join([render(lines[0]), rule, *map(render, lines[1:])])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few iterations: only proves it runs")
    settings = QUICK if parser.parse_args(argv).quick else FULL
    warnings.simplefilter("ignore", DeprecationWarning)  # the SDK marks every Assistants call

    emulator = FakeOpenAI()
    client = emulator.client
    small = thread_with_messages(emulator, SMALL_THREAD)
    large = thread_with_messages(emulator, LARGE_THREAD)
    assistant = client.beta.assistants.create(model="gpt-4o").id
    emulator.script.default = lambda turn: REPLY_500
    files = FakeOpenAI()  # files and stores apart: deleting a file looks through every thread
    store = store_of_small_files(files.client, settings.store_files)

    rows = [
        compare("threads.create + threads.retrieve: fakeai vs canned answers",
                create_and_retrieve(client), create_and_retrieve(floor_client()), settings),
        compare(f"messages page of {PAGE} (thread of {SMALL_THREAD:,} vs {LARGE_THREAD:,} messages)",
                messages_page(client, large), messages_page(client, small), settings),
        compare(f"messages page of {PAGE} via after= mid-thread ({SMALL_THREAD:,} vs {LARGE_THREAD:,})",
                messages_page(client, large, after=middle_message_id(emulator, large)),
                messages_page(client, small, after=middle_message_id(emulator, small)), settings),
        compare("run cycle (create, poll to completion, list) vs one threads.create",
                run_cycle(emulator, assistant), thread_create(client), settings, goal=5),
        compare(f"one run on a thread of {LONG_RUN_THREAD:,} messages vs of {SHORT_RUN_THREAD}",
                run_on_thread(emulator, assistant, thread_with_messages(emulator, LONG_RUN_THREAD)),
                run_on_thread(emulator, assistant, thread_with_messages(emulator, SHORT_RUN_THREAD)),
                settings, goal=2),
        compare("streamed run, 500-char reply, vs the same run polled",
                streamed_run(client, assistant, stream=True), streamed_run(client, assistant, stream=False),
                settings, goal=None),
        compare(f"upload + attach + search of a {BIG_FILE_BYTES // 1_000_000} MB text file vs one threads.create",
                upload_attach_search(files, big_text()), thread_create(client), settings, goal=GOAL_BIG_FILE),
        compare(f"one search of a store of {settings.store_files:,} files vs one threads.create",
                search_store(files.client, store), thread_create(client), settings, goal=GOAL_SEARCH),
    ]
    print(header(settings))
    print(table(rows))
    print(f"\nA search of a store of {settings.store_files:,} small files costs "
          f"{rows[-1].measured / 1000:.2f} ms per query.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

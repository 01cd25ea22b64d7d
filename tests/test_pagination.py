"""List pagination, as properties over random threads (api-notes 1.2).

The list order: ``asc`` sorts by ``created_at``, ties in creation order; ``desc`` is the exact
reverse. ``after`` pages continue past the cursor, ``before`` pages hold the items just ahead of
it, shown in the list's order; ``has_more`` says whether more items lie beyond the page in the
direction of travel. A cursor naming a message deleted since still marks its place.

These run in-process and sync on ``FakeOpenAI().client`` (the four-way ``api`` fixture is too slow
for many examples); one check drives the async client with ``async for``.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakeai import FakeOpenAI
from fakeai.resources.messages import new_message

#: Building a conversation makes up to 60 SDK calls, so generating an example is slow by design.
#: derandomize: every run of the suite draws the same cases (CI must not be a lottery).
PROPERTY = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Created:
    id: str
    created_at: int
    sequence: int  # creation order

    @property
    def key(self):
        return (self.created_at, self.sequence)


@dataclass
class Conversation:
    """A thread built through the SDK, and what we know about each message created in it."""

    emulator: FakeOpenAI
    thread_id: str
    created: list[Created] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)

    @property
    def client(self):
        return self.emulator.client

    def ordered(self, order: str) -> list[Created]:
        """The messages still there, in the list's order."""
        alive = sorted((m for m in self.created if m.id not in self.deleted), key=lambda m: m.key)
        return alive if order == "asc" else alive[::-1]

    def around(self, cursor: Created, order: str) -> tuple[list[Created], list[Created]]:
        """(the messages ahead of ``cursor`` in the list, those behind it), each in the list's order."""
        ordered = self.ordered(order)
        if order == "asc":
            ahead = [m for m in ordered if m.key < cursor.key]
            behind = [m for m in ordered if m.key > cursor.key]
        else:
            ahead = [m for m in ordered if m.key > cursor.key]
            behind = [m for m in ordered if m.key < cursor.key]
        return ahead, behind

    def page(self, **query) -> dict:
        """One list page as the API sent it (JSON, so null ids stay visible)."""
        query = {name: value for name, value in query.items() if value is not None}
        raw = self.client.beta.threads.messages.with_raw_response.list(self.thread_id, **query)
        return json.loads(raw.http_response.content)


def assert_page(page: dict, expected: list[Created], has_more: bool) -> None:
    ids = [message["id"] for message in page["data"]]
    assert ids == [message.id for message in expected]
    assert page["object"] == "list"
    assert page["has_more"] is has_more
    assert page["first_id"] == (ids[0] if ids else None)
    assert page["last_id"] == (ids[-1] if ids else None)


#: How far the clock moves before each create: mostly not at all (equal ``created_at``), sometimes
#: forwards, and now and then backwards (a test that sets the clock back, as freezegun may).
CLOCK_STEPS = st.sampled_from([0, 0, 0, 0, 1, 1, 7, -3])


@st.composite
def conversations(draw) -> Conversation:
    """A thread of 0..60 messages: some created with the thread itself, some with equal
    ``created_at``, some deleted afterwards."""
    initial = draw(st.integers(0, 4))
    steps = draw(st.lists(CLOCK_STEPS, max_size=60 - initial))
    emulator = FakeOpenAI()
    client = emulator.client
    emulator.advance_time(draw(st.integers(0, 100)))
    thread = client.beta.threads.create(messages=[{"role": "user", "content": f"initial {i}"}
                                                  for i in range(initial)])
    conversation = Conversation(emulator, thread.id)
    initial_messages = client.beta.threads.messages.list(thread.id, order="asc", limit=100).data
    for message in initial_messages:
        conversation.created.append(Created(message.id, message.created_at, len(conversation.created)))
    for index, step in enumerate(steps):
        emulator.advance_time(step)
        message = client.beta.threads.messages.create(thread.id, role="user", content=f"message {index}")
        assert message.created_at == emulator.now()
        conversation.created.append(Created(message.id, message.created_at, len(conversation.created)))
    if conversation.created:
        doomed = draw(st.sets(st.sampled_from([m.id for m in conversation.created]),
                              max_size=len(conversation.created)))
        for message_id in sorted(doomed):
            client.beta.threads.messages.delete(message_id, thread_id=thread.id)
        conversation.deleted = set(doomed)
    return conversation


LIMITS = st.integers(1, 100)
ORDERS = st.sampled_from(["asc", "desc"])


# --- (a) and (c): walking every page -------------------------------------------------------------

@PROPERTY
@given(conversation=conversations(), limit=LIMITS, order=ORDERS)
def test_walking_pages_with_after_the_last_id_visits_every_message_once_in_order(conversation, limit, order):
    expected = conversation.ordered(order)
    seen: list[str] = []
    cursor = None
    while True:
        page = conversation.page(limit=limit, order=order, after=cursor)
        start = len(seen)
        assert_page(page, expected[start:start + limit], has_more=start + limit < len(expected))
        seen.extend(message["id"] for message in page["data"])
        if not page["has_more"]:
            break
        cursor = page["last_id"]

    assert seen == [message.id for message in expected]


@PROPERTY
@given(conversation=conversations(), limit=LIMITS, order=ORDERS)
def test_the_sdk_auto_pagination_yields_every_message_exactly_once_in_order(conversation, limit, order):
    listed = conversation.client.beta.threads.messages.list(conversation.thread_id, limit=limit, order=order)

    assert [message.id for message in listed] == [message.id for message in conversation.ordered(order)]


def test_the_default_query_is_the_newest_twenty_first():
    emulator = FakeOpenAI()
    client = emulator.client
    thread_id = client.beta.threads.create().id
    ids = []
    for index in range(25):
        ids.append(client.beta.threads.messages.create(thread_id, role="user", content=str(index)).id)
        emulator.advance_time(index % 3 == 0)

    page = client.beta.threads.messages.list(thread_id)

    assert [message.id for message in page.data] == ids[::-1][:20]
    assert page.has_more is True


# --- (b) and (d): pages on either side of a cursor ------------------------------------------------

@PROPERTY
@given(conversation=conversations(), limit=LIMITS, order=ORDERS, data=st.data())
def test_a_before_page_holds_the_messages_just_ahead_of_its_cursor(conversation, limit, order, data):
    if not conversation.created:
        return
    cursor = data.draw(st.sampled_from(conversation.created), label="cursor")
    ahead, _ = conversation.around(cursor, order)

    page = conversation.page(limit=limit, order=order, before=cursor.id)

    assert_page(page, ahead[-limit:], has_more=len(ahead) > limit)


@PROPERTY
@given(conversation=conversations(), limit=LIMITS, order=ORDERS, data=st.data())
def test_an_after_page_holds_the_messages_just_behind_its_cursor(conversation, limit, order, data):
    if not conversation.created:
        return
    cursor = data.draw(st.sampled_from(conversation.created), label="cursor")
    _, behind = conversation.around(cursor, order)

    page = conversation.page(limit=limit, order=order, after=cursor.id)

    assert_page(page, behind[:limit], has_more=len(behind) > limit)


@PROPERTY
@given(conversation=conversations(), limit=LIMITS, order=ORDERS, data=st.data())
def test_a_cursor_naming_a_deleted_message_still_marks_its_place(conversation, limit, order, data):
    if not conversation.deleted:
        return
    gone = [message for message in conversation.created if message.id in conversation.deleted]
    cursor = data.draw(st.sampled_from(gone), label="deleted cursor")
    ahead, behind = conversation.around(cursor, order)

    assert_page(conversation.page(limit=limit, order=order, after=cursor.id),
                behind[:limit], has_more=len(behind) > limit)
    assert_page(conversation.page(limit=limit, order=order, before=cursor.id),
                ahead[-limit:], has_more=len(ahead) > limit)


def test_walking_on_after_deleting_the_last_message_of_each_page_misses_nothing():
    emulator = FakeOpenAI()
    client = emulator.client
    thread_id = client.beta.threads.create().id
    ids = []
    for index in range(12):
        ids.append(client.beta.threads.messages.create(thread_id, role="user", content=str(index)).id)
        emulator.advance_time(index % 2)

    seen, cursor = [], None
    while True:
        query = {"after": cursor} if cursor else {}
        page = client.beta.threads.messages.list(thread_id, limit=5, order="asc", **query)
        seen.extend(message.id for message in page.data)
        if not page.has_more:
            break
        cursor = page.data[-1].id
        client.beta.threads.messages.delete(cursor, thread_id=thread_id)

    assert seen == ids


def test_walking_back_with_before_the_first_id_reaches_the_start():
    emulator = FakeOpenAI()
    client = emulator.client
    thread_id = client.beta.threads.create().id
    ids = [client.beta.threads.messages.create(thread_id, role="user", content=str(i)).id for i in range(11)]

    pages = []
    cursor = ids[-1]
    while True:
        page = client.beta.threads.messages.list(thread_id, limit=3, order="asc", before=cursor)
        pages.append([message.id for message in page.data])
        if not page.has_more:
            break
        cursor = page.first_id

    assert pages == [ids[7:10], ids[4:7], ids[1:4], ids[0:1]]


# --- the async client ----------------------------------------------------------------------------

def test_the_async_client_walks_every_page_with_async_for():
    emulator = FakeOpenAI()
    client = emulator.client
    thread_id = client.beta.threads.create(messages=[{"role": "user", "content": "first"}] * 3).id
    for index in range(20):
        emulator.advance_time(index % 4 == 0)
        client.beta.threads.messages.create(thread_id, role="user", content=str(index))
    everything = [message.id for message in client.beta.threads.messages.list(thread_id, order="asc", limit=100)]
    for message_id in everything[::5]:
        client.beta.threads.messages.delete(message_id, thread_id=thread_id)
    remaining = [message_id for message_id in everything if message_id not in everything[::5]]

    async def walk(order: str, limit: int) -> list[str]:
        messages = emulator.async_client.beta.threads.messages
        return [message.id async for message in messages.list(thread_id, order=order, limit=limit)]

    async def both():
        return await walk("asc", 4), await walk("desc", 3), await walk("desc", 100)

    ascending, descending, one_page = asyncio.run(both())
    assert ascending == remaining
    assert descending == remaining[::-1]
    assert one_page == remaining[::-1]


# --- a large thread --------------------------------------------------------------------------------

LARGE = 100_000


def test_pages_from_a_thread_of_100000_messages_are_correct():
    """Built through the domain layer (as benchmarks/run.py does); correctness only, no timing."""
    emulator = FakeOpenAI()
    client = emulator.client
    thread_id = client.beta.threads.create().id
    record = emulator.state.threads[thread_id]
    ids = []
    for index in range(LARGE):
        if index % 1000 == 0:
            emulator.advance_time(1)  # runs of 1,000 messages share a created_at
        message = new_message(emulator.state, thread_id, {"role": "user", "content": "hi"}, emulator.now())
        ids.append(record.messages.add(message)["id"])
    messages = client.beta.threads.messages

    def page(**query):
        found = messages.list(thread_id, **query)
        return [message.id for message in found.data], found.has_more

    assert page() == (ids[::-1][:20], True)
    assert page(order="asc", limit=100) == (ids[:100], True)
    assert page(order="asc", limit=100, after=ids[49_999]) == (ids[50_000:50_100], True)
    assert page(order="desc", limit=20, after=ids[50_000]) == (ids[49_999:49_979:-1], True)
    assert page(order="desc", limit=20, before=ids[50_000]) == (ids[50_020:50_000:-1], True)
    assert page(order="asc", limit=20, before=ids[50_000]) == (ids[49_980:50_000], True)
    assert page(order="asc", limit=20, after=ids[-3]) == (ids[-2:], False)
    assert page(order="desc", limit=20, after=ids[2]) == ([ids[1], ids[0]], False)
    assert page(order="asc", limit=5, before=ids[3]) == (ids[:3], False)

    messages.delete(ids[70_000], thread_id=thread_id)
    assert page(order="asc", limit=3, after=ids[70_000]) == (ids[70_001:70_004], True)
    assert page(order="asc", limit=3, after=ids[69_999]) == (ids[70_001:70_004], True)
    assert page(order="desc", limit=3, before=ids[70_000]) == (ids[70_003:70_000:-1], True)

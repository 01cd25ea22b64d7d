"""fakeai without pytest and without a server: FakeOpenAI().client is a ready, in-process client."""

import warnings

from fakeai import FakeOpenAI

warnings.simplefilter("ignore", DeprecationWarning)  # the SDK marks the Assistants API deprecated

fake = FakeOpenAI(seed=1)
client = fake.client
thread = client.beta.threads.create(metadata={"purpose": "demo"})
print(thread.id, thread.created_at)

fake.advance_time(60)
client.beta.threads.messages.create(thread.id, role="user", content="One minute later.")
[message] = client.beta.threads.messages.list(thread.id)
print(message.created_at - thread.created_at, "seconds later:", message.content[0].text.value)

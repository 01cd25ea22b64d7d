"""Any program, unchanged, against `fakeai serve`: only OPENAI_BASE_URL (and any key) is set.

    fakeai serve --port 8000 &
    OPENAI_BASE_URL=http://127.0.0.1:8000/v1 OPENAI_API_KEY=sk-anything python examples/sdk_against_server.py
"""

import warnings

import openai

warnings.simplefilter("ignore", DeprecationWarning)  # the SDK marks the Assistants API deprecated

client = openai.OpenAI()
thread = client.beta.threads.create(
    messages=[{"role": "user", "content": "Explain quantum computing in simple terms."}])
print("created", thread.id, "at", thread.created_at)

client.beta.threads.update(thread.id, metadata={"topic": "physics"})
for message in client.beta.threads.messages.list(thread.id):
    print(message.role, ":", message.content[0].text.value)

print("deleted", client.beta.threads.delete(thread.id).deleted)

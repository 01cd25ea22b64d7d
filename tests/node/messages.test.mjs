// Messages through the official Node SDK: create, then list with order, limit and pagination.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { fakeai } from './fakeai.mjs';

const client = fakeai.client('sk-test-node-messages');
const WORDS = ['one', 'two', 'three', 'four', 'five'];
let thread;

const texts = (messages) => messages.map((message) => message.content[0].text.value);

before(async () => {
  thread = await client.beta.threads.create();
  for (const word of WORDS) {
    await client.beta.threads.messages.create(thread.id, { role: 'user', content: word });
  }
});

test('a created message is stored as one text part', async () => {
  const message = await client.beta.threads.messages.create(thread.id, { role: 'assistant', content: 'stored' });
  assert.match(message.id, /^msg_/);
  assert.equal(message.object, 'thread.message');
  assert.equal(message.thread_id, thread.id);
  assert.equal(message.role, 'assistant');
  assert.deepEqual(message.content, [{ type: 'text', text: { value: 'stored', annotations: [] } }]);
  assert.equal(message.assistant_id, null);
  assert.equal(message.run_id, null);
  await client.beta.threads.messages.delete(message.id, { thread_id: thread.id });
});

test('pages of two, oldest first, followed to the end', async () => {
  const first = await client.beta.threads.messages.list(thread.id, { order: 'asc', limit: 2 });
  assert.deepEqual(texts(first.data), ['one', 'two']);
  assert.equal(first.has_more, true);
  assert.ok(first.hasNextPage());

  const second = await first.getNextPage();
  assert.deepEqual(texts(second.data), ['three', 'four']);
  assert.equal(second.has_more, true);

  const third = await second.getNextPage();
  assert.deepEqual(texts(third.data), ['five']);
  assert.equal(third.has_more, false);
  assert.equal(third.hasNextPage(), false);
});

test('the default order is newest first; limit bounds the page', async () => {
  const page = await client.beta.threads.messages.list(thread.id, { limit: 3 });
  assert.deepEqual(texts(page.data), ['five', 'four', 'three']);
  assert.equal(page.has_more, true);
  assert.equal(page.body.first_id, page.data[0].id); // the list envelope, as the API sent it
  assert.equal(page.body.last_id, page.data[2].id);
});

test('auto-pagination (for await) sees every message once, in order', async () => {
  const seen = [];
  for await (const message of client.beta.threads.messages.list(thread.id, { order: 'asc', limit: 2 })) {
    seen.push(message);
  }
  assert.deepEqual(texts(seen), WORDS);
});

// Threads through the official Node SDK: create, retrieve, update metadata, delete.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { fakeai } from './fakeai.mjs';

const client = fakeai.client('sk-test-node-threads');

test('a thread is created, retrieved, its metadata updated, then deleted', async () => {
  const created = await client.beta.threads.create({ metadata: { suite: 'node' } });
  assert.match(created.id, /^thread_/);
  assert.equal(created.object, 'thread');
  assert.deepEqual(created.metadata, { suite: 'node' });

  const retrieved = await client.beta.threads.retrieve(created.id);
  assert.deepEqual(retrieved, created);

  const updated = await client.beta.threads.update(created.id, { metadata: { suite: 'node', step: 'updated' } });
  assert.equal(updated.id, created.id);
  assert.deepEqual(updated.metadata, { suite: 'node', step: 'updated' });
  assert.deepEqual((await client.beta.threads.retrieve(created.id)).metadata, { suite: 'node', step: 'updated' });

  const deleted = await client.beta.threads.delete(created.id);
  assert.deepEqual(deleted, { id: created.id, object: 'thread.deleted', deleted: true });
});

test('a deleted thread is not found (the SDK\'s NotFoundError, with the API\'s message)', async () => {
  const thread = await client.beta.threads.create();
  await client.beta.threads.delete(thread.id);
  await assert.rejects(client.beta.threads.retrieve(thread.id), (error) => {
    assert.ok(error instanceof OpenAI.NotFoundError, `expected NotFoundError, got ${error}`);
    assert.equal(error.status, 404);
    assert.equal(error.error.message, `No thread found with id '${thread.id}'.`);
    assert.equal(error.type, 'invalid_request_error');
    return true;
  });
});

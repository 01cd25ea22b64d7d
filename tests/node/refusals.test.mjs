// A request the API refuses reaches Node code as the SDK's error class, with the API's own words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { fakeai } from './fakeai.mjs';

const client = fakeai.client('sk-test-node-refusals');

test('a run without assistant_id is a BadRequestError naming the missing parameter', async () => {
  const thread = await client.beta.threads.create();
  await assert.rejects(client.beta.threads.runs.create(thread.id, {}), (error) => {
    assert.ok(error instanceof OpenAI.BadRequestError, `expected BadRequestError, got ${error}`);
    assert.equal(error.status, 400);
    assert.equal(error.message, "400 Missing required parameter: 'assistant_id'.");
    assert.deepEqual(error.error, {
      message: "Missing required parameter: 'assistant_id'.",
      type: 'invalid_request_error',
      param: 'assistant_id',
      code: 'missing_required_parameter',
    });
    assert.match(error.requestID, /^req_/);
    return true;
  });
});

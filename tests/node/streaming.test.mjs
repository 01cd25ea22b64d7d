// Streams through the official Node SDK's AssistantStream: the event names in the order
// threads-api.md section 9 gives (the SDK consumes the closing `done` itself), and the text.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { fakeai, STREAM_CHUNK_SIZE } from './fakeai.mjs';

assert.equal(STREAM_CHUNK_SIZE, 5, 'the text deltas below are written for five characters each');

const API_KEY = 'sk-test-node-streaming';
const client = fakeai.client(API_KEY);
let assistant;

before(async () => {
  assistant = await client.beta.assistants.create({
    model: 'gpt-4o',
    tools: [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } }],
  });
});

/** How sequences (a) and (c) of section 9 both end: a message written, here in three deltas. */
const A_REPLY_IN_THREE_DELTAS = [
  'thread.run.step.created',
  'thread.run.step.in_progress',
  'thread.message.created',
  'thread.message.in_progress',
  'thread.message.delta',
  'thread.message.delta',
  'thread.message.delta',
  'thread.message.completed',
  'thread.run.step.completed',
  'thread.run.completed',
];

/** The event names of a stream, read to its end. */
async function eventNames(stream) {
  const names = [];
  for await (const event of stream) {
    names.push(event.event);
  }
  return names;
}

test('runs.stream: a plain reply, event by event, then its text', async () => {
  const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'Hi!' }] });
  await fakeai.admin(API_KEY, 'POST', 'script', { thread_id: thread.id, actions: [{ reply: 'Hello, Node!' }] });

  const deltas = [];
  const stream = client.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id })
    .on('textDelta', (delta) => deltas.push(delta.value));
  const names = await eventNames(stream);

  assert.deepEqual(names, [ // section 9.3, sequence (a), on an existing thread
    'thread.run.created',
    'thread.run.queued',
    'thread.run.in_progress',
    ...A_REPLY_IN_THREE_DELTAS,
  ]);
  assert.deepEqual(deltas, ['Hello', ', Nod', 'e!']); // the three deltas
  const [message] = await stream.finalMessages();
  assert.deepEqual(message.content, [{ type: 'text', text: { value: 'Hello, Node!', annotations: [] } }]);
  assert.equal((await stream.finalRun()).status, 'completed');
});

test('createAndRunStream: a function call, then submitToolOutputsStream to the reply', async () => {
  await fakeai.admin(API_KEY, 'POST', 'script', {
    assistant_id: assistant.id,
    actions: [{ call_function: { name: 'get_time', arguments: {} } }, { reply: 'It is noon.' }],
  });
  const first = client.beta.threads.createAndRunStream({
    assistant_id: assistant.id,
    thread: { messages: [{ role: 'user', content: 'What time is it?' }] },
  });
  assert.deepEqual(await eventNames(first), [ // section 9.4, sequence (b), after thread.created (9.3)
    'thread.created',
    'thread.run.created',
    'thread.run.queued',
    'thread.run.in_progress',
    'thread.run.step.created',
    'thread.run.step.in_progress',
    'thread.run.step.delta', // the call's id and name, arguments ""
    'thread.run.step.delta', // its arguments, "{}"
    'thread.run.requires_action',
  ]);
  const waiting = await first.finalRun();
  assert.equal(waiting.status, 'requires_action');
  const [call] = waiting.required_action.submit_tool_outputs.tool_calls;
  assert.equal(call.function.name, 'get_time');

  const second = client.beta.threads.runs.submitToolOutputsStream(waiting.id, {
    thread_id: waiting.thread_id,
    tool_outputs: [{ tool_call_id: call.id, output: '12:00' }],
  });
  assert.deepEqual(await eventNames(second), [ // section 9.5, sequence (c)
    'thread.run.step.completed',
    'thread.run.queued',
    'thread.run.in_progress',
    ...A_REPLY_IN_THREE_DELTAS, // "It is", " noon", "."
  ]);
  const [message] = await second.finalMessages();
  assert.equal(message.content[0].text.value, 'It is noon.');
});

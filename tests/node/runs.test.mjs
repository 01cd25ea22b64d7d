// A scripted run through the official Node SDK: the admin API scripts a function call and a reply,
// then createAndPoll stops at requires_action and submitToolOutputsAndPoll completes the run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { fakeai } from './fakeai.mjs';

const API_KEY = 'sk-test-node-runs';
const client = fakeai.client(API_KEY);

const GET_WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

test('a scripted function call, its output submitted, then the scripted reply', async () => {
  const assistant = await client.beta.assistants.create({ model: 'gpt-4o', tools: [GET_WEATHER] });
  const thread = await client.beta.threads.create({
    messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
  });
  const queued = await fakeai.admin(API_KEY, 'POST', 'script', {
    thread_id: thread.id,
    actions: [
      { call_function: { name: 'get_weather', arguments: { city: 'Paris' } } },
      { reply: 'Sunny in Paris, 18 degrees.' },
    ],
  });
  assert.equal(queued.queued, 2);

  const waiting = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id });
  assert.equal(waiting.status, 'requires_action');
  assert.equal(waiting.required_action.type, 'submit_tool_outputs');
  const [call] = waiting.required_action.submit_tool_outputs.tool_calls;
  assert.equal(waiting.required_action.submit_tool_outputs.tool_calls.length, 1);
  assert.match(call.id, /^call_/);
  assert.equal(call.type, 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });

  // While the run waits, the thread refuses new messages (the API's 400, as the catalog words it).
  await assert.rejects(
    client.beta.threads.messages.create(thread.id, { role: 'user', content: 'Hurry up.' }),
    (error) => error instanceof OpenAI.BadRequestError
      && error.error.message === `Can't add messages to ${thread.id} while a run ${waiting.id} is active.`,
  );

  const done = await client.beta.threads.runs.submitToolOutputsAndPoll(waiting.id, {
    thread_id: thread.id,
    tool_outputs: [{ tool_call_id: call.id, output: '{"sky": "clear", "celsius": 18}' }],
  });
  assert.equal(done.id, waiting.id);
  assert.equal(done.status, 'completed');
  assert.equal(done.required_action, null);

  const [reply] = (await client.beta.threads.messages.list(thread.id, { order: 'desc', limit: 1 })).data;
  assert.equal(reply.role, 'assistant');
  assert.equal(reply.run_id, done.id);
  assert.equal(reply.assistant_id, assistant.id);
  assert.deepEqual(reply.content, [{ type: 'text', text: { value: 'Sunny in Paris, 18 degrees.', annotations: [] } }]);

  const steps = await client.beta.threads.runs.steps.list(done.id, { thread_id: thread.id, order: 'asc' });
  assert.deepEqual(steps.data.map((step) => step.type), ['tool_calls', 'message_creation']);
  assert.equal(steps.data[0].step_details.tool_calls[0].function.output, '{"sky": "clear", "celsius": 18}');

  const plans = await fakeai.admin(API_KEY, 'GET', 'script');
  assert.deepEqual([plans.data, plans.pending], [[], 0], 'the run took the whole plan');
});

// /v1/chat/completions through the official openai client.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { client, isFake, model, raw } from './lib.mjs';

const MESSAGES = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Name a colour.' },
];

// Models without a chat template answer chat requests with a 400 (checked below); the chat tests need one.
const probe = await raw('/v1/chat/completions', {
  body: { model: (await model()).id, messages: MESSAGES, max_completion_tokens: 1 },
});
const noTemplate = probe.status === 400 && /no chat template/.test(probe.text) ? 'the model has no chat template' : false;

test('a model without a chat template gets a clear 400', { skip: !noTemplate && 'the model has a chat template' }, () => {
  assert.equal(probe.json.error.type, 'invalid_request_error');
  assert.match(probe.json.error.message, /chat template/);
});

test('/v1/models says whether chat completions can format messages', async () => {
  assert.equal((await model()).has_chat_template, !noTemplate);
});

test('chat completion has the OpenAI shape', { skip: noTemplate }, async () => {
  const { id: name } = await model();
  const c = await client.chat.completions.create({ model: name, messages: MESSAGES, max_completion_tokens: 8, temperature: 0 });
  assert.match(c.id, /^chatcmpl-/);
  assert.equal(c.object, 'chat.completion');
  assert.equal(c.model, name);
  assert.equal(c.choices.length, 1);
  const [choice] = c.choices;
  assert.equal(choice.index, 0);
  assert.equal(choice.message.role, 'assistant');
  assert.equal(typeof choice.message.content, 'string');
  assert.equal(choice.logprobs, null);
  assert.ok(['stop', 'length'].includes(choice.finish_reason));
  assert.ok(c.usage.completion_tokens <= 8);
  assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);
});

test('a greedy chat stream starts with the role and concatenates to the non-streaming answer', { skip: noTemplate }, async () => {
  const { id: name } = await model();
  const whole = await client.chat.completions.create({ model: name, messages: MESSAGES, max_tokens: 10, temperature: 0 });
  const stream = await client.chat.completions.create({
    model: name, messages: MESSAGES, max_tokens: 10, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.equal(chunks[0].object, 'chat.completion.chunk');
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  let content = '';
  let finish = null;
  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      content += choice.delta.content ?? '';
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  assert.equal(content, whole.choices[0].message.content);
  assert.equal(finish, whole.choices[0].finish_reason);
  assert.deepEqual(chunks.at(-1).choices, []);
  assert.equal(chunks.at(-1).usage.completion_tokens, whole.usage.completion_tokens);
});

test('n choices', { skip: noTemplate }, async () => {
  const { id: name } = await model();
  const c = await client.chat.completions.create({ model: name, messages: MESSAGES, n: 2, max_tokens: 4 });
  assert.deepEqual(c.choices.map((x) => x.index), [0, 1]);
});

test('chat logprobs with top_logprobs', { skip: noTemplate }, async () => {
  const { id: name } = await model();
  const c = await client.chat.completions.create({
    model: name, messages: MESSAGES, max_tokens: 5, logprobs: true, top_logprobs: 2, temperature: 0,
  });
  const content = c.choices[0].logprobs.content;
  assert.equal(content.length, c.usage.completion_tokens);
  for (const entry of content) {
    assert.equal(typeof entry.token, 'string');
    assert.ok(entry.logprob <= 0);
    assert.ok(Array.isArray(entry.bytes));
    assert.equal(entry.top_logprobs.length, 2);
    assert.ok(entry.top_logprobs[0].logprob >= entry.top_logprobs[1].logprob);
  }
});

test('unsupported chat features are clear 400s', { skip: noTemplate }, async () => {
  const { id: name } = await model();
  await assert.rejects(
    client.chat.completions.create({ model: name, messages: MESSAGES, response_format: { type: 'json_object' } }),
    (e) => e.status === 400 && e.param === 'response_format' && /not supported/.test(e.message),
  );
  await assert.rejects(
    client.chat.completions.create({
      model: name,
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/x.png' } }] }],
    }),
    (e) => e.status === 400 && e.param === 'messages[0].content[0]',
  );
});

test('tool calls are parsed from <tool_call> output', { skip: !isFake }, async () => {
  const { id: name } = await model();
  const tools = [{
    type: 'function',
    function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
  }];
  const say = 'say:<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';
  const c = await client.chat.completions.create({ model: name, messages: [{ role: 'user', content: say }], tools });
  assert.equal(c.choices[0].finish_reason, 'tool_calls');
  assert.equal(c.choices[0].message.content, null);
  const [call] = c.choices[0].message.tool_calls;
  assert.match(call.id, /^call_/);
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });

  // Streamed, the client's accumulation sees the same call.
  const stream = client.chat.completions.stream({ model: name, messages: [{ role: 'user', content: say }], tools });
  const final = await stream.finalChatCompletion();
  assert.equal(final.choices[0].finish_reason, 'tool_calls');
  assert.equal(final.choices[0].message.tool_calls[0].function.name, 'get_weather');
});

// /v1/completions through the official openai client: shapes, streaming, n, batches, best_of,
// logprobs, echo, stop, seeds. Written as invariants that hold for any worker (real model or fake).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { client, isEncoderDecoder, isFake, model, raw, tokenCount } from './lib.mjs';

const PROMPT = 'The quick brown fox';

test('non-streaming completion has the OpenAI shape', async () => {
  const { id: name } = await model();
  const before = Math.floor(Date.now() / 1000);
  const c = await client.completions.create({ model: name, prompt: PROMPT, max_tokens: 8, temperature: 0 });
  assert.match(c.id, /^cmpl-/);
  assert.equal(c.object, 'text_completion');
  assert.ok(c.created >= before - 1);
  assert.equal(c.model, name);
  assert.equal(c.choices.length, 1);
  const [choice] = c.choices;
  assert.equal(choice.index, 0);
  assert.equal(typeof choice.text, 'string');
  assert.equal(choice.logprobs, null);
  assert.ok(['stop', 'length'].includes(choice.finish_reason));
  assert.equal(c.usage.prompt_tokens, await tokenCount(PROMPT));
  assert.ok(c.usage.completion_tokens >= 1 && c.usage.completion_tokens <= 8);
  assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);
  if (choice.finish_reason === 'length') assert.equal(c.usage.completion_tokens, 8);
});

test('a greedy stream concatenates to the non-streaming text', async () => {
  const { id: name } = await model();
  const whole = await client.completions.create({ model: name, prompt: PROMPT, max_tokens: 12, temperature: 0 });
  const stream = await client.completions.create({ model: name, prompt: PROMPT, max_tokens: 12, temperature: 0, stream: true });
  let text = '';
  let finish = null;
  let chunks = 0;
  let id = null;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'text_completion');
    id ??= chunk.id;
    assert.equal(chunk.id, id);
    assert.equal(chunk.usage, undefined);  // no usage without stream_options.include_usage
    for (const choice of chunk.choices) {
      text += choice.text;
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  assert.ok(chunks >= 1);
  assert.equal(text, whole.choices[0].text);
  assert.equal(finish, whole.choices[0].finish_reason);
});

test('stream_options.include_usage ends with a usage chunk', async () => {
  const { id: name } = await model();
  const stream = await client.completions.create({
    model: name, prompt: PROMPT, max_tokens: 5, stream: true, stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  const last = chunks.at(-1);
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage.total_tokens, last.usage.prompt_tokens + last.usage.completion_tokens);
  for (const chunk of chunks.slice(0, -1)) assert.equal(chunk.usage, null);
});

test('n choices and batched prompts index choices prompt * n + i', async () => {
  const { id: name } = await model();
  const prompts = ['hello world', 'say: fox'];
  const c = await client.completions.create({ model: name, prompt: prompts, n: 2, max_tokens: 4, temperature: 1, seed: 3 });
  assert.deepEqual(c.choices.map((x) => x.index), [0, 1, 2, 3]);
  assert.equal(c.usage.prompt_tokens, (await tokenCount(prompts[0])) + (await tokenCount(prompts[1])));
  for (const choice of c.choices) assert.ok(['stop', 'length'].includes(choice.finish_reason));
  if (isFake) {
    // The fake cycles each prompt's tokens, candidate i starting i tokens in; "say: fox" answers " fox" and
    // EOS (where its second candidate starts): the order is visible.
    assert.deepEqual(c.choices.map((x) => x.text), ['hello worldhello world', ' worldhello worldhello', ' fox', '']);
  }
});

test('token-id prompts are used as given', async () => {
  const { id: name } = await model();
  const { json } = await raw('/tokenize', { body: { prompt: PROMPT } });
  const fromText = await client.completions.create({ model: name, prompt: PROMPT, max_tokens: 6, temperature: 0 });
  const fromIds = await client.completions.create({ model: name, prompt: json.tokens, max_tokens: 6, temperature: 0 });
  assert.equal(fromIds.choices[0].text, fromText.choices[0].text);
  assert.equal(fromIds.usage.prompt_tokens, json.count);
});

test('best_of returns n of the candidates; streaming it is a 400', async () => {
  const { id: name } = await model();
  const c = await client.completions.create({ model: name, prompt: PROMPT, n: 2, best_of: 3, max_tokens: 4, temperature: 1 });
  assert.equal(c.choices.length, 2);
  assert.deepEqual(c.choices.map((x) => x.index), [0, 1]);
  await assert.rejects(
    client.completions.create({ model: name, prompt: PROMPT, best_of: 2, stream: true }),
    (e) => e.status === 400 && e.param === 'best_of' && e.type === 'invalid_request_error',
  );
});

test('logprobs have one entry per token, ordered offsets and up to logprobs + 1 alternatives', async () => {
  const { id: name } = await model();
  const c = await client.completions.create({ model: name, prompt: PROMPT, max_tokens: 6, logprobs: 2, temperature: 0 });
  const lp = c.choices[0].logprobs;
  const n = c.usage.completion_tokens;
  assert.equal(lp.tokens.length, n);
  assert.equal(lp.token_logprobs.length, n);
  assert.equal(lp.top_logprobs.length, n);
  assert.equal(lp.text_offset.length, n);
  assert.equal(lp.text_offset[0], 0);
  for (let i = 0; i < n; i++) {
    assert.ok(lp.token_logprobs[i] <= 0);
    const alternatives = Object.entries(lp.top_logprobs[i]);
    assert.ok(alternatives.length >= 1 && alternatives.length <= 3);
    assert.equal(lp.top_logprobs[i][lp.tokens[i]], lp.token_logprobs[i]);  // the sampled token is in the dict
    if (i > 0) assert.ok(lp.text_offset[i] >= lp.text_offset[i - 1]);
  }
});

test('echo returns the prompt, with prompt logprobs whose first is null', async () => {
  const { id: name } = await model();
  const c = await client.completions.create({ model: name, prompt: PROMPT, max_tokens: 3, echo: true, logprobs: 1, temperature: 0 });
  const plain = await client.completions.create({ model: name, prompt: PROMPT, max_tokens: 3, temperature: 0 });
  assert.equal(c.choices[0].text, PROMPT + plain.choices[0].text);
  const lp = c.choices[0].logprobs;
  const promptTokens = await tokenCount(PROMPT);
  assert.equal(lp.tokens.length, promptTokens + c.usage.completion_tokens);
  assert.equal(lp.token_logprobs[0], null);
  assert.equal(lp.top_logprobs[0], null);
  // An encoder's prompt has no logprobs at all (the decoder never predicts it).
  const scored = isEncoderDecoder ? lp.token_logprobs.slice(promptTokens) : lp.token_logprobs.slice(1);
  if (isEncoderDecoder) assert.ok(lp.token_logprobs.slice(0, promptTokens).every((x) => x === null));
  assert.ok(scored.every((x) => typeof x === 'number' && x <= 0));
});

test('a stop string ends the text before it, streamed or not', async () => {
  const { id: name } = await model();
  const full = (await client.completions.create({ model: name, prompt: PROMPT, max_tokens: 24, temperature: 0 })).choices[0].text;
  if (full.length < 6) return;  // a model that stops at once leaves nothing to cut
  const stop = full.slice(3, 6);
  const expected = full.slice(0, full.indexOf(stop));
  const c = await client.completions.create({ model: name, prompt: PROMPT, max_tokens: 24, temperature: 0, stop: [stop] });
  assert.equal(c.choices[0].text, expected);
  assert.equal(c.choices[0].finish_reason, 'stop');
  const stream = await client.completions.create({ model: name, prompt: PROMPT, max_tokens: 24, temperature: 0, stop, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices.map((x) => x.text).join('');
  assert.equal(text, expected);
});

test('the same seed gives the same sample', async () => {
  const { id: name } = await model();
  const a = await client.completions.create({ model: name, prompt: PROMPT, max_tokens: 10, temperature: 1, seed: 1234 });
  const b = await client.completions.create({ model: name, prompt: PROMPT, max_tokens: 10, temperature: 1, seed: 1234 });
  assert.equal(a.choices[0].text, b.choices[0].text);
});

test('max_tokens: null generates up to the context length at most', async () => {
  const { id: name, max_model_len: context } = await model();
  const c = await client.completions.create({ model: name, prompt: isFake ? 'say: done' : PROMPT, max_tokens: null, temperature: 0 });
  // Encoder-decoder: the decoder holds its start token and the completion; the prompt is the encoder's.
  if (isEncoderDecoder) assert.ok(c.usage.completion_tokens <= context - 1);
  else assert.ok(c.usage.prompt_tokens + c.usage.completion_tokens <= context);
});

test('scripted replies of the fake worker (EOS, stop across tokens)', { skip: !isFake }, async () => {
  const { id: name } = await model();
  const c = await client.completions.create({ model: name, prompt: 'say: the quick brown fox', max_tokens: 50 });
  assert.equal(c.choices[0].text, ' the quick brown fox');
  assert.equal(c.choices[0].finish_reason, 'stop');
  const stopped = await client.completions.create({ model: name, prompt: 'say: the quick brown fox', stop: 'k br', stream: true });
  let text = '';
  for await (const chunk of stopped) text += chunk.choices.map((x) => x.text).join('');
  assert.equal(text, ' the quic');
});

test('max_tokens 0 with echo and logprobs scores the prompt', async () => {
  const { id: name } = await model();
  const c = await client.completions.create({ model: name, prompt: PROMPT, max_tokens: 0, echo: true, logprobs: 1 });
  const [choice] = c.choices;
  assert.equal(choice.text, PROMPT);
  assert.equal(choice.finish_reason, 'length');
  assert.equal(c.usage.completion_tokens, 0);
  assert.equal(c.usage.prompt_tokens, await tokenCount(PROMPT));
  const lp = choice.logprobs;
  assert.equal(lp.tokens.length, c.usage.prompt_tokens);
  assert.equal(lp.token_logprobs[0], null);
  // An encoder-decoder model does not model its prompt (it feeds the encoder): no prompt logprobs.
  if (lp.token_logprobs.slice(1).every((v) => v === null)) return;
  for (const value of lp.token_logprobs.slice(1)) assert.ok(value <= 0 && Number.isFinite(value));
  // The same numbers as the prompt logprobs of a request that goes on to generate.
  const generating = await client.completions.create({ model: name, prompt: PROMPT, max_tokens: 1, echo: true, logprobs: 1 });
  const n = c.usage.prompt_tokens;
  assert.deepEqual(lp.tokens, generating.choices[0].logprobs.tokens.slice(0, n));
  for (let i = 1; i < n; i++) {
    assert.ok(Math.abs(lp.token_logprobs[i] - generating.choices[0].logprobs.token_logprobs[i]) < 1e-4);
  }
});

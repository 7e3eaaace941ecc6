// The worker with --async_decode=on (CMakeLists.txt: e2e_llama_async): decode steps launch before the
// previous step's tokens reach the host, and stops are checked one step late. Through the openai client,
// what a user sees must not show it: exact max_tokens, stop strings cut where they start, streamed text
// equal to the blocking one, concurrent requests unaffected by each other. (reference.test.mjs, run in the
// same process, checks greedy tokens and logprobs against transformers.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { client, model } from './lib.mjs';

// Only where run_e2e.mjs started the worker with --async_decode=on (elsewhere these cases are the
// completions suite's).
const skip = !(process.env.BASALT_WORKER_ARGS || '').split(' ').includes('--async_decode=on');

test('the worker runs asynchronous decode steps', { skip }, () => {
  const log = process.env.BASALT_WORKER_LOG;
  assert.ok(log, 'BASALT_WORKER_LOG is not set');
  assert.match(readFileSync(log, 'utf8'), /decode steps: asynchronous/);
});

async function streamedText(params) {
  const stream = await client.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let usage;
  let finish;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      text += choice.text;
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  return { text, usage, finish };
}

test('max_tokens is exact and streamed text equals the blocking text', { skip }, async () => {
  const { id } = await model();
  for (const max_tokens of [1, 2, 7]) {
    const params = { model: id, prompt: 'The quick brown fox', max_tokens, temperature: 0, ignore_eos: true };
    const blocking = await client.completions.create(params);
    assert.equal(blocking.usage.completion_tokens, max_tokens);
    assert.equal(blocking.choices[0].finish_reason, 'length');
    const streamed = await streamedText(params);
    assert.equal(streamed.text, blocking.choices[0].text);
    assert.equal(streamed.usage.completion_tokens, max_tokens);
  }
});

test('a stop string ends the text where it starts, one step late or not', { skip }, async () => {
  const { id } = await model();
  const base = { model: id, prompt: 'Once upon a time', max_tokens: 24, temperature: 0, ignore_eos: true };
  const full = (await client.completions.create(base)).choices[0].text;
  assert.ok(full.length >= 4, `need some text to stop in, got ${JSON.stringify(full)}`);
  const stop = full.slice(Math.floor(full.length / 2), Math.floor(full.length / 2) + 2);
  const cut = full.slice(0, full.indexOf(stop));
  const blocking = await client.completions.create({ ...base, stop: [stop] });
  assert.equal(blocking.choices[0].text, cut);
  assert.equal(blocking.choices[0].finish_reason, 'stop');
  const streamed = await streamedText({ ...base, stop: [stop] });
  assert.equal(streamed.text, cut);
  assert.equal(streamed.finish, 'stop');
});

test('concurrent requests of different lengths give what each gives alone', { skip }, async () => {
  const { id } = await model();
  const requests = [3, 11, 5, 17].map((max_tokens, i) => ({
    model: id, prompt: `Request ${i}: once upon a time`, max_tokens, temperature: 0, ignore_eos: true,
  }));
  const alone = [];
  for (const r of requests) alone.push((await client.completions.create(r)).choices[0].text);
  const together = await Promise.all(requests.map((r) => streamedText(r)));
  together.forEach((t, i) => {
    assert.equal(t.text, alone[i], `request ${i}`);
    assert.equal(t.usage.completion_tokens, requests[i].max_tokens);
  });
});

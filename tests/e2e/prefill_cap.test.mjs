// The worker with --max_prefill_tokens_with_decodes (CMakeLists.txt: e2e_llama_prefill_cap): while a
// stream decodes, a newly arrived prompt is computed a few tokens per step beside it. Through the openai
// client neither may show it: both give the text each gives alone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { client, model } from './lib.mjs';

const capArg = (process.env.BASALT_WORKER_ARGS || '').split(' ').find((a) => a.startsWith('--max_prefill_tokens_with_decodes='));
const skip = !capArg;

test('the worker logs its prompt-token cap', { skip }, () => {
  const cap = capArg.split('=')[1];
  assert.match(readFileSync(process.env.BASALT_WORKER_LOG, 'utf8'), new RegExp(`${cap} prompt tokens while decoding`));
});

test('a long prompt arriving while a stream decodes gives what it gives alone, and so does the stream', { skip }, async () => {
  const { id } = await model();
  const running = { model: id, prompt: 'Once upon a time', max_tokens: 300, temperature: 0, ignore_eos: true };
  const arriving = {
    model: id,
    prompt: 'It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of ' +
      'foolishness, it was the epoch of belief, it was the epoch of incredulity',
    max_tokens: 12, temperature: 0, ignore_eos: true,
  };
  const runningAlone = (await client.completions.create(running)).choices[0].text;
  const arrivingAlone = (await client.completions.create(arriving)).choices[0].text;

  const stream = await client.completions.create({ ...running, stream: true });
  let text = '';
  let arrived;
  for await (const chunk of stream) {
    for (const choice of chunk.choices) text += choice.text;
    // Sent once the stream has produced text, so its prompt is chunked beside the stream's decodes.
    if (!arrived && text.length > 0) arrived = client.completions.create(arriving);
  }
  assert.ok(arrived, 'the stream produced no text');
  assert.equal((await arrived).choices[0].text, arrivingAlone);
  assert.equal(text, runningAlone);
});

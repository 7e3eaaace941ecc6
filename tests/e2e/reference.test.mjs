// The model through the whole path (openai client -> gateway -> gRPC -> worker) gives what transformers
// gave for it: for each greedy case of the fixture's reference.json, the same text (the reference ids
// detokenized) and token logprobs within 1e-3 (divergence allowed only after a top-2 gap < 1e-3).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { call, client, isFake, model, workerService } from './lib.mjs';

const dir = process.env.BASALT_MODEL_DIR;
const referencePath = dir ? join(dir, 'reference.json') : '';
const skip = isFake || !existsSync(referencePath) ? 'no transformers reference for this model' : false;

// What a completion's text is for the given ids after the prompt: the decode of prompt + output minus
// the decode of the prompt (leading-space rules), special tokens skipped (the worker's Detokenize).
async function completionText(worker, promptIds, outputIds) {
  const whole = (await call(worker, 'Detokenize', { ids: [...promptIds, ...outputIds] })).text;
  const prefix = (await call(worker, 'Detokenize', { ids: promptIds })).text;
  assert.ok(whole.startsWith(prefix), 'the prompt decode is not a prefix');
  return whole.slice(prefix.length);
}

test('greedy completions match transformers through /v1/completions', { skip }, async () => {
  const reference = JSON.parse(readFileSync(referencePath, 'utf8'));
  const { id: name } = await model();
  const worker = await workerService();
  let compared = 0;
  for (const c of reference.cases.filter((x) => x.name.startsWith('greedy_'))) {
    const completion = await client.completions.create({
      model: name, prompt: c.prompt_ids, max_tokens: c.output_ids.length, temperature: 0, logprobs: 5,
      ignore_eos: true,
    });
    const choice = completion.choices[0];
    // Encoder-decoder references have no prompt logprobs (the decoder never sees the prompt): there the
    // completion is the decoder's output alone, whose special tokens the text skips, so the logprobs
    // below pin it down; for decoder-only models the text is also what the output adds to the prompt's
    // decode (leading-space rules).
    const encoderDecoder = !('prompt_logprobs' in c);
    assert.equal(choice.logprobs.token_logprobs.length, c.output_ids.length, `${c.name}: token count`);
    const tie = c.top2_gap.findIndex((g) => g < 1e-3);
    const steps = tie < 0 ? c.output_ids.length : tie;
    if (!encoderDecoder && tie < 0) {
      // Up to the first near-tie, text and logprobs must agree.
      assert.equal(choice.text, await completionText(worker, c.prompt_ids, c.output_ids), `${c.name}: text`);
    }
    for (let i = 0; i < steps; i++) {
      assert.ok(Math.abs(choice.logprobs.token_logprobs[i] - c.logprobs[i]) < 1e-3,
        `${c.name} step ${i}: ${choice.logprobs.token_logprobs[i]} vs ${c.logprobs[i]}`);
      compared++;
    }
  }
  assert.ok(compared > 0);
});

// The llama fixture also records transformers with logits processors: repetition penalty, OpenAI
// presence/frequency penalties (as a custom processor), logit bias (sequence_bias), a stop token id,
// min_tokens (min_new_tokens) and contrastive search (penalty_alpha, top_k). Same tokens through HTTP.
test('sampling parameters match transformers through /v1/completions', { skip }, async () => {
  const reference = JSON.parse(readFileSync(referencePath, 'utf8'));
  const cases = reference.cases.filter((x) => !x.name.startsWith('greedy_') && x.name !== 'plain');
  if (cases.length === 0) return;  // only the llama fixture records them
  const { id: name } = await model();
  const worker = await workerService();
  for (const c of cases) {
    const p = c.params;
    const body = {
      model: name, prompt: c.prompt_ids, max_tokens: p.max_tokens, temperature: 0, logprobs: 1,
      ignore_eos: p.ignore_eos,
    };
    for (const key of ['repetition_penalty', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'stop_token_ids',
      'min_tokens', 'penalty_alpha', 'top_k']) {
      if (p[key] !== undefined) body[key] = p[key];
    }
    const res = await fetch(`${process.env.BASALT_URL}/v1/completions`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const status = res.status;
    const json = await res.json();
    assert.equal(status, 200, `${c.name}: ${JSON.stringify(json)}`);
    const choice = json.choices[0];
    // A stop token ends the text but is not part of it (it still counts as a generated token).
    const stopped = p.stop_token_ids && p.stop_token_ids.includes(c.output_ids.at(-1));
    const textIds = stopped ? c.output_ids.slice(0, -1) : c.output_ids;
    assert.equal(choice.text, await completionText(worker, c.prompt_ids, textIds), `${c.name}: text`);
    assert.equal(choice.logprobs.token_logprobs.length, c.output_ids.length, `${c.name}: token count`);
    for (let i = 0; i < c.output_ids.length; i++) {
      assert.ok(Math.abs(choice.logprobs.token_logprobs[i] - c.logprobs[i]) < 1e-3, `${c.name} step ${i}`);
    }
    const expected = stopped ? 'stop' : 'length';
    assert.equal(choice.finish_reason, expected, c.name);
  }
});

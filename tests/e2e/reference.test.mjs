// The model through the whole path (openai client -> gateway -> gRPC -> worker) gives what transformers
// gave for it: for each greedy case of the fixture's reference.json, the same text (the reference ids
// detokenized) and token logprobs within 1e-3 (divergence allowed only after a top-2 gap < 1e-3).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { client, isFake, model, raw } from './lib.mjs';

const dir = process.env.BASALT_MODEL_DIR;
const referencePath = dir ? join(dir, 'reference.json') : '';
const skip = isFake || !existsSync(referencePath) ? 'no transformers reference for this model' : false;

test('greedy completions match transformers through /v1/completions', { skip }, async () => {
  const reference = JSON.parse(readFileSync(referencePath, 'utf8'));
  const { id: name } = await model();
  let compared = 0;
  for (const c of reference.cases.filter((x) => x.name.startsWith('greedy_'))) {
    const completion = await client.completions.create({
      model: name, prompt: c.prompt_ids, max_tokens: c.output_ids.length, temperature: 0, logprobs: 5,
      ignore_eos: true,
    });
    const choice = completion.choices[0];
    // The completion's text is what the output adds to the prompt's decode (leading-space rules).
    const whole = (await raw('/detokenize', { body: { model: name, tokens: [...c.prompt_ids, ...c.output_ids] } })).json.prompt;
    const prefix = (await raw('/detokenize', { body: { model: name, tokens: c.prompt_ids } })).json.prompt;
    assert.ok(whole.startsWith(prefix), `${c.name}: prompt decode is not a prefix`);
    // Up to the first near-tie, text and logprobs must agree.
    const tie = c.top2_gap.findIndex((g) => g < 1e-3);
    const steps = tie < 0 ? c.output_ids.length : tie;
    if (tie < 0) assert.equal(choice.text, whole.slice(prefix.length), `${c.name}: text`);
    for (let i = 0; i < steps; i++) {
      assert.ok(Math.abs(choice.logprobs.token_logprobs[i] - c.logprobs[i]) < 1e-3,
        `${c.name} step ${i}: ${choice.logprobs.token_logprobs[i]} vs ${c.logprobs[i]}`);
      compared++;
    }
  }
  assert.ok(compared > 0);
});

// Errors over raw HTTP (exact status codes and the OpenAI envelope), the other endpoints, and a client
// that leaves in the middle of a stream.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { assertEnvelope, baseUrl, client, isFake, model, raw, sseData } from './lib.mjs';

test('unknown model: 404 model_not_found', async () => {
  const r = await raw('/v1/completions', { body: { model: 'no-such-model', prompt: 'x' } });
  assert.equal(r.status, 404);
  assertEnvelope(assert, r.json, { param: 'model', code: 'model_not_found' });
  const m = await raw('/v1/models/no-such-model', { method: 'GET' });
  assert.equal(m.status, 404);
  assertEnvelope(assert, m.json, { code: 'model_not_found' });
});

test('request validation errors are 400 naming the parameter', async () => {
  const { id: name, max_model_len: context } = await model();
  const cases = [
    [{ prompt: 'x' }, 'model'],
    [{ model: name }, 'prompt'],
    [{ model: name, prompt: 'x', temperature: 'hot' }, 'temperature'],
    [{ model: name, prompt: 'x', top_p: 2 }, 'top_p'],
    [{ model: name, prompt: 'x', n: 0 }, 'n'],
    [{ model: name, prompt: 'x', max_tokens: -1 }, 'max_tokens'],
    [{ model: name, prompt: 'x', max_tokens: context }, 'max_tokens'],
    [{ model: name, prompt: 'x', logprobs: 99 }, 'logprobs'],
    [{ model: name, prompt: 'x', stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    [{ model: name, prompt: 'x', logit_bias: { abc: 1 } }, 'logit_bias'],
    [{ model: name, prompt: 'x', logit_bias: { 1: 500 } }, 'logit_bias'],
    [{ model: name, prompt: 'x', suffix: 'end' }, 'suffix'],
    [{ model: name, prompt: 'x', stream_options: { include_usage: true } }, 'stream_options'],
    [{ model: name, prompt: [] }, 'prompt'],
    [{ model: name, prompt: 'x', frobnicate: true }, 'frobnicate'],
  ];
  for (const [body, param] of cases) {
    const r = await raw('/v1/completions', { body });
    assert.equal(r.status, 400, `${JSON.stringify(body)} -> ${r.text}`);
    assertEnvelope(assert, r.json, { param });
  }
  const chat = await raw('/v1/chat/completions', { body: { model: name, messages: [{ role: 'wizard', content: 'x' }] } });
  assert.equal(chat.status, 400);
  assertEnvelope(assert, chat.json, { param: 'messages[0].role' });
});

test('malformed JSON, non-objects and invalid UTF-8 are 400', async () => {
  for (const body of ['{"model":', '[1,2]', '', 'null']) {
    const r = await raw('/v1/completions', { body });
    assert.equal(r.status, 400, `${body} -> ${r.text}`);
    assertEnvelope(assert, r.json, { param: null });
  }
  const { id: name } = await model();
  const bytes = Buffer.concat([Buffer.from(`{"model":"${name}","prompt":"caf`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  const r = await raw('/v1/completions', { body: new Uint8Array(bytes) });
  assert.equal(r.status, 400);
  assertEnvelope(assert, r.json);
  assert.match(r.json.error.message, /UTF-8/);
});

test('unknown endpoint 404, wrong method 405, huge body 413: all JSON', async () => {
  const unknown = await raw('/v1/engines', { method: 'GET' });
  assert.equal(unknown.status, 404);
  assertEnvelope(assert, unknown.json, { param: null, code: null });
  const method = await raw('/v1/chat/completions', { method: 'GET' });
  assert.equal(method.status, 405);
  assert.equal(method.headers.get('allow'), 'POST');
  assertEnvelope(assert, method.json);
  const huge = await raw('/v1/completions', { body: JSON.stringify({ prompt: 'x'.repeat(17 << 20) }) });
  assert.equal(huge.status, 413);
  assertEnvelope(assert, huge.json);
});

test('the openai client surfaces errors with status, type and param', async () => {
  await assert.rejects(
    client.completions.create({ model: (await model()).id, prompt: 'x', temperature: 5 }),
    (e) => e.status === 400 && e.type === 'invalid_request_error' && e.param === 'temperature',
  );
  await assert.rejects(client.models.retrieve('nope'), (e) => e.status === 404 && e.code === 'model_not_found');
});

test('models, tokenize, detokenize, health, version', async () => {
  const list = await client.models.list();
  assert.ok(list.data.length >= 1);
  const { id: name } = await model();
  const m = await client.models.retrieve(name);
  assert.equal(m.id, name);
  assert.equal(m.object, 'model');

  const tok = await raw('/tokenize', { body: { model: name, prompt: 'Hello world', return_token_strs: true } });
  assert.equal(tok.status, 200);
  assert.equal(tok.json.count, tok.json.tokens.length);
  assert.equal(tok.json.token_strs.length, tok.json.count);
  assert.ok(tok.json.max_model_len > 0);
  const detok = await raw('/detokenize', { body: { model: name, tokens: tok.json.tokens } });
  assert.equal(detok.status, 200);
  assert.match(detok.json.prompt, /Hello world/);

  const health = await raw('/health', { method: 'GET' });
  assert.equal(health.status, 200);
  const version = await raw('/version', { method: 'GET' });
  assert.equal(version.status, 200);
  assert.equal(typeof version.json.version, 'string');

  const page = await fetch(`${baseUrl}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /\/v1\/completions/);
});

test('an error inside a running stream is an error event then [DONE]', { skip: !isFake }, async () => {
  const { id: name } = await model();
  const r = await raw('/v1/completions', { body: { model: name, prompt: 'fail: hello world', max_tokens: 20, stream: true } });
  const data = sseData(r.text);
  assert.equal(data.at(-1), '[DONE]');
  const error = JSON.parse(data.at(-2));
  assertEnvelope(assert, error, { type: 'server_error' });
});

test('a client that leaves mid-stream cancels the generation', async () => {
  const { id: name } = await model();
  const log = process.env.BASALT_WORKER_LOG;
  // The worker logs the Cancel's reason ("client disconnected"). A tiny model on a busy machine may finish
  // its whole context (a few hundred ms) before the client's close reaches the gateway, so the cancellation
  // gets up to 3 tries; a cancel that never propagates fails all of them.
  for (let attempt = 1; ; ++attempt) {
    const logFrom = log ? readFileSync(log, 'utf8').length : 0;
    const controller = new AbortController();
    const stream = await client.completions.create(
      { model: name, prompt: 'Once upon a time', max_tokens: null, stream: true, ignore_eos: true },
      { signal: controller.signal },
    );
    let chunks = 0;
    try {
      for await (const chunk of stream) {
        if (chunk.choices.length && ++chunks === 2) {
          controller.abort();
          break;  // chunks already buffered before the abort would still be yielded
        }
      }
    } catch (e) {
      assert.ok(e.name === 'APIUserAbortError' || e.name === 'AbortError', e.message);
    }
    assert.equal(chunks, 2);
    if (!log) break;
    // Only what the worker logged since this attempt began counts.
    const logged = () => readFileSync(log, 'utf8').slice(logFrom).includes('client disconnected');
    const deadline = Date.now() + 5000;
    while (!logged() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (logged()) break;
    assert.ok(attempt < 3, `the worker never logged the cancel in ${attempt} tries`);
  }
  // The gateway keeps serving.
  const after = await client.completions.create({ model: name, prompt: 'x', max_tokens: 2 });
  assert.equal(after.choices.length, 1);
});

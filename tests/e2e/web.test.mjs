// The web playground (web/index.html, web/js/*.js) in headless Chromium against the gateway: a greedy
// completion streams the same text as /v1/completions returns, logprobs become token spans, n choices
// show side by side, chat works (or is disabled and explained without a chat template), the Stop button
// cancels the generation in the worker, API errors are shown, and settings survive a reload at a narrow
// width. Skipped where Chromium is not installed. With BASALT_WEB_SCREENSHOTS=DIR the tests save
// screenshots there.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { baseUrl, isFake, model, raw } from './lib.mjs';

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const skip = !chromium && 'no chromium';
const shots = process.env.BASALT_WEB_SCREENSHOTS;
if (shots) mkdirSync(shots, { recursive: true });
const PROMPT = isFake ? 'say: hello world' : 'Once upon a time';

let browser;
before(async () => {
  if (skip) return;
  const { chromium: launcher } = await import('playwright-core');
  browser = await launcher.launch({
    executablePath: chromium,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});
after(async () => { if (browser) await browser.close(); });

// A fresh page (its own localStorage) once the model list and its chat support are loaded; `body(page)`
// runs with it, then the page must have thrown no error.
async function withPage(body, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${baseUrl}/`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    await body(page);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
}

async function setParams(page, params) {
  for (const [id, value] of Object.entries(params)) {
    if (typeof value === 'boolean') await page.setChecked(`#param-${id}`, value);
    else await page.fill(`#param-${id}`, String(value));
  }
}

// Runs (with `start`, by default the Run button) and waits for the end: 'done', 'stopped' or 'error'.
async function run(page, start = () => page.click('#run')) {
  await page.evaluate(() => { delete document.querySelector('#stats').dataset.state; });
  await start();
  const handle = await page.waitForFunction(
    () => ['done', 'stopped', 'error'].includes(document.querySelector('#stats').dataset.state) && document.querySelector('#stats').dataset.state,
    null, { timeout: 60000 });
  return handle.jsonValue();
}

// The body the page sent, and the same request without streaming.
async function sentRequest(page) {
  const sent = JSON.parse(await page.textContent('#request-json'));
  assert.equal(sent.stream, true);
  assert.deepEqual(sent.stream_options, { include_usage: true });
  const { stream, stream_options: options, ...plain } = sent;
  return { sent, plain };
}

const latestText = (page) => page.evaluate(() => document.querySelector('#document .gen.latest')?.textContent ?? '');

test('a greedy completion streams in place the text /v1/completions returns', { skip }, async () => {
  await withPage(async (page) => {
    // Ids are unique, and every control has a label.
    const problems = await page.evaluate(() => {
      const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
      const unlabelled = [...document.querySelectorAll('input, select, textarea, button, [contenteditable]')]
        .filter((e) => e.getAttribute('aria-hidden') !== 'true' && !(e.labels && e.labels.length)
          && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby') && e.textContent.trim() === '')
        .map((e) => e.outerHTML.slice(0, 80));
      return { duplicateIds: ids.filter((id, i) => ids.indexOf(id) !== i), unlabelled };
    });
    assert.deepEqual(problems, { duplicateIds: [], unlabelled: [] });
    await page.fill('#document', PROMPT);
    await setParams(page, { max_tokens: 8, temperature: 0 });
    const state = await run(page, async () => { await page.focus('#document'); await page.keyboard.press('Control+Enter'); });
    assert.equal(state, 'done', await page.textContent('#error'));
    const text = await latestText(page);
    const { sent, plain } = await sentRequest(page);
    assert.equal(sent.prompt, PROMPT);
    assert.equal(sent.model, (await model()).id);
    assert.equal(sent.temperature, 0);
    assert.equal(sent.max_tokens, 8);
    const r = await raw('/v1/completions', { body: plain });
    assert.equal(r.status, 200, r.text);
    assert.equal(text, r.json.choices[0].text);
    if (isFake) assert.equal(text, ' hello world');
    assert.equal(await page.textContent('#document'), PROMPT + text);  // the continuation follows the prompt
    // Usage (from stream_options.include_usage), time to first token, finish reason.
    const stats = await page.textContent('#stats');
    const m = stats.match(/^(\d+) tokens? \(prompt (\d+)\) · first token \d+ ms · (?:[\d.]+ tokens\/s · )?total [\d.]+ m?s · finish: (\w+)$/);
    assert.ok(m, stats);
    assert.equal(Number(m[1]), r.json.usage.completion_tokens);
    assert.equal(Number(m[2]), r.json.usage.prompt_tokens);
    assert.equal(m[3], r.json.choices[0].finish_reason);
    assert.equal(await page.isDisabled('#stop'), true);
    if (shots) await page.screenshot({ path: join(shots, 'completion.png') });
    // What the user types after the continuation is theirs (not highlighted); Undo restores the prompt.
    await page.focus('#document');
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' more');
    assert.equal(await page.textContent('#document'), PROMPT + text + ' more');
    assert.equal(await latestText(page), text);
    await page.click('#undo');
    assert.equal(await page.textContent('#document'), PROMPT);
  });
});

test('logprobs: each token is a span with its logprob, and hovering it shows the alternatives', { skip }, async () => {
  await withPage(async (page) => {
    await page.fill('#document', PROMPT);
    await setParams(page, { max_tokens: 6, temperature: 0, logprobs: true, top_logprobs: 2 });
    assert.equal(await run(page), 'done', await page.textContent('#error'));
    const { sent, plain } = await sentRequest(page);
    assert.equal(sent.logprobs, 2);
    const spans = await page.$$eval('#document .gen.latest .tok', (els) => els.map((e) => ({
      logprob: Number(e.dataset.logprob), tokens: e.entries.map((x) => x.token), top: e.entries.map((x) => x.top.length),
    })));
    const r = await raw('/v1/completions', { body: plain });
    assert.equal(r.status, 200, r.text);
    const expected = r.json.choices[0].logprobs;
    assert.deepEqual(spans.flatMap((s) => s.tokens), expected.tokens);
    for (const span of spans) {
      assert.ok(Number.isFinite(span.logprob) && span.logprob <= 0, JSON.stringify(span));
      for (const count of span.top) assert.ok(count >= 1 && count <= 3, JSON.stringify(span));
    }
    const sum = (xs) => xs.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum(spans.map((s) => s.logprob)) - sum(expected.token_logprobs)) < 1e-3);
    assert.equal(await latestText(page), r.json.choices[0].text);  // spans keep the text exact
    await page.hover('#document .gen.latest .tok >> nth=0');
    assert.equal(await page.isVisible('#tip'), true);
    assert.match(await page.textContent('#tip'), /logprob -?\d/);
    assert.ok(await page.locator('#tip tr').count() >= 1);
    if (shots) await page.screenshot({ path: join(shots, 'logprobs.png') });
  });
});

test('n = 2 shows the choices side by side', { skip }, async () => {
  await withPage(async (page) => {
    await page.fill('#document', PROMPT);
    await setParams(page, { max_tokens: 4, temperature: 0, n: 2 });
    assert.equal(await run(page), 'done', await page.textContent('#error'));
    assert.equal((await sentRequest(page)).sent.n, 2);
    assert.equal(await page.locator('#completion-choices .choice').count(), 2);
    assert.match(await page.textContent('#stats'), /finish: \w+, \w+$/);
    const second = await page.textContent('#completion-choices .choice >> nth=1 >> .choice-text');
    await page.click('#completion-choices .choice >> nth=1 >> button');
    assert.equal(await page.textContent('#document'), PROMPT + second);
  });
});

test('chat: the reply streams as /v1/chat/completions answers, or the tab says why there is no chat', { skip }, async () => {
  const info = await model();
  await withPage(async (page) => {
    if (!info.has_chat_template) {
      assert.equal(await page.isDisabled('#tab-chat'), true);
      assert.equal(await page.isVisible('#chat-note'), true);
      assert.match(await page.textContent('#chat-note'), /chat template/);
      assert.equal(await page.isVisible('#panel-completion'), true);
      return;
    }
    await page.click('#tab-chat');
    assert.equal(await page.getAttribute('#tab-chat', 'aria-selected'), 'true');
    const user = isFake ? 'say: hello world' : 'Name a colour.';
    await page.fill('#system', 'You are terse.');
    await page.fill('#chat-input', user);
    await setParams(page, { max_tokens: 8, temperature: 0 });
    assert.equal(await run(page), 'done', await page.textContent('#error'));
    const { sent, plain } = await sentRequest(page);
    assert.deepEqual(sent.messages, [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: user }]);
    const r = await raw('/v1/chat/completions', { body: plain });
    assert.equal(r.status, 200, r.text);
    const reply = await page.textContent('#messages .msg.latest .content');
    assert.equal(reply, r.json.choices[0].message.content);
    if (isFake) assert.equal(reply, ' hello world');
    assert.equal(await page.inputValue('#chat-input'), '');
    if (shots) await page.screenshot({ path: join(shots, 'chat.png') });
    // The next turn sends the conversation so far.
    await page.fill('#chat-input', 'And another?');
    await setParams(page, { max_tokens: 2 });
    assert.equal(await run(page), 'done', await page.textContent('#error'));
    assert.deepEqual((await sentRequest(page)).sent.messages.slice(1).map((m) => [m.role, m.content]),
      [['user', user], ['assistant', reply], ['user', 'And another?']]);
  });
});

test('the Stop button ends a long generation and the worker cancels it', { skip }, async () => {
  const log = process.env.BASALT_WORKER_LOG;
  // The worker logs the Cancel's reason (the real one: "request <its id>: cancelled by the client (client
  // disconnected)"). A tiny model on a busy machine may finish its whole context (a few hundred ms)
  // before the click reaches it, so the cancellation gets up to 3 tries (a run that ends 'done' first, or
  // a cancel the worker did not log); a broken Stop fails all of them.
  const expected = isFake ? 'client disconnected' : 'cancelled by the client (client disconnected)';
  for (let attempt = 1; ; ++attempt) {
    const logFrom = log ? readFileSync(log, 'utf8').length : 0;
    let finishedFirst = false;
    await withPage(async (page) => {
      await page.fill('#document', PROMPT);
      await setParams(page, { max_tokens: '', temperature: 1, ignore_eos: true });
      // Stop as soon as the first text arrives (tiny models finish their whole context in a blink).
      await page.evaluate(() => {
        const doc = document.querySelector('#document');
        new MutationObserver((_, observer) => {
          if ((doc.querySelector('.gen.latest')?.textContent ?? '') !== '') {
            observer.disconnect();
            document.querySelector('#stop').click();
          }
        }).observe(doc, { subtree: true, childList: true, characterData: true });
      });
      const outcome = await run(page);
      if (outcome === 'done' && attempt < 3) {
        finishedFirst = true;
        return;
      }
      assert.equal(outcome, 'stopped', await page.textContent('#error'));
      assert.equal((await sentRequest(page)).sent.max_tokens, null);
      assert.match(await page.textContent('#stats'), /^Stopped · ~?\d+ tokens?/);
      assert.equal(await page.isVisible('#error'), false);
      assert.equal(await page.isDisabled('#run'), false);
      assert.equal(await page.isDisabled('#stop'), true);
      const id = await page.getAttribute('#stats', 'data-response-id');
      assert.match(id, /^cmpl-/);
    });
    if (finishedFirst) continue;
    if (!log) break;
    // Only what the worker logged since this attempt began counts.
    const logged = () => readFileSync(log, 'utf8').slice(logFrom).includes(expected);
    const deadline = Date.now() + 5000;
    while (!logged() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (logged()) break;
    assert.ok(attempt < 3, `the worker never logged "${expected}" in ${attempt} tries`);
  }
});

test('an API error is shown with its status, parameter and message', { skip }, async () => {
  const { max_model_len: context } = await model();
  await withPage(async (page) => {
    await page.fill('#document', PROMPT);
    await setParams(page, { max_tokens: context, temperature: 0 });
    assert.equal(await run(page), 'error');
    const { plain } = await sentRequest(page);
    const r = await raw('/v1/completions', { body: plain });
    assert.equal(r.status, 400);
    assert.equal(await page.isVisible('#error'), true);
    const shown = await page.textContent('#error');
    assert.ok(shown.includes('HTTP 400'), shown);
    assert.ok(shown.includes(`param: ${r.json.error.param}`), shown);
    assert.ok(shown.includes(r.json.error.message), shown);
    assert.equal(r.json.error.param, 'max_tokens');
    assert.equal(await page.textContent('#document'), PROMPT);  // nothing was added
    assert.equal(await page.isDisabled('#run'), false);
  });
});

test('settings survive a reload, and the page fits a narrow screen', { skip }, async () => {
  await withPage(async (page) => {
    await page.click('#params-details > summary');  // folded on narrow screens
    await setParams(page, { temperature: 0.3, seed: 7, stop: 'END' });
    await page.fill('#document', 'Kept prompt');
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    assert.equal(await page.inputValue('#param-temperature'), '0.3');
    assert.equal(await page.inputValue('#param-seed'), '7');
    assert.equal(await page.inputValue('#param-stop'), 'END');
    assert.equal(await page.textContent('#document'), 'Kept prompt');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${overflow} px wider than the screen`);
    if (shots) await page.screenshot({ path: join(shots, 'narrow.png'), fullPage: true });
  }, { width: 380, height: 800 });
});

// The minimal web page (web/index.html) in headless Chromium: it lists the models and streams a
// completion into the page. Skipped where Chromium is not installed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';

import { baseUrl, isFake } from './lib.mjs';

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

test('the web page streams a completion', { skip: !chromium && 'no chromium' }, async () => {
  const { chromium: launcher } = await import('playwright-core');
  const browser = await launcher.launch({
    executablePath: chromium,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/`);
    await page.waitForFunction(() => document.querySelector('#model').options.length > 0);
    const prompt = isFake ? 'say: hello world' : 'Once upon a time';
    await page.fill('#prompt', prompt);
    await page.fill('#max_tokens', '8');
    await page.fill('#temperature', '0');
    await page.click('#go');
    await page.waitForFunction(() => /tokens in|Error/.test(document.querySelector('#status').textContent), null,
      { timeout: 30000 });
    const status = await page.textContent('#status');
    assert.match(status, /tokens in .* finish: (stop|length)/);
    const output = await page.textContent('#output');
    assert.ok(output.startsWith(prompt));
    if (isFake) assert.equal(output, 'say: hello world hello world');
    else assert.ok(output.length > prompt.length);
  } finally {
    await browser.close();
  }
});

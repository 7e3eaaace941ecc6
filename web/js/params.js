// The parameters panel: built from one table, saved by the caller (values()/setValues()), and turned into
// the request fields of either endpoint. Parameters at their neutral value are left out of requests.

// kind: 'number' (with a slider when it has min and max), 'int', 'text' (stop sequences), 'bool'.
// blank: what an empty field means (the field may then stay empty). neutral: a value that changes nothing.
const PARAMS = [
  { key: 'max_tokens', label: 'Max tokens', kind: 'int', min: 1, value: 128, blank: 'as many as fit',
    help: 'Longest completion, in tokens (per choice). Empty: up to the context length.' },
  { key: 'temperature', label: 'Temperature', kind: 'number', min: 0, max: 2, step: 0.05, value: 0.7,
    help: '0 is greedy (deterministic); higher values sample more freely.' },
  { key: 'top_p', label: 'Top p', kind: 'number', min: 0.01, max: 1, step: 0.01, value: 1, neutral: 1,
    help: 'Sample from the smallest set of tokens whose probabilities add up to p.' },
  { key: 'top_k', label: 'Top k', kind: 'int', min: 0, value: 0, neutral: 0, help: 'Sample from the k likeliest tokens; 0 is off.' },
  { key: 'min_p', label: 'Min p', kind: 'number', min: 0, max: 1, step: 0.01, value: 0, neutral: 0,
    help: 'Drop tokens less likely than min_p times the likeliest one.' },
  { key: 'presence_penalty', label: 'Presence penalty', kind: 'number', min: -2, max: 2, step: 0.1, value: 0, neutral: 0,
    help: 'Penalises tokens that already appeared.' },
  { key: 'frequency_penalty', label: 'Frequency penalty', kind: 'number', min: -2, max: 2, step: 0.1, value: 0, neutral: 0,
    help: 'Penalises tokens by how often they appeared.' },
  { key: 'repetition_penalty', label: 'Repetition penalty', kind: 'number', min: 0.5, max: 2, step: 0.05, value: 1, neutral: 1,
    help: 'Divides the logits of tokens already in the text (1 is off).' },
  { key: 'stop', label: 'Stop sequences', kind: 'text', value: '',
    help: 'One per line (at most 4); \\n and \\t stand for a newline and a tab.' },
  { key: 'seed', label: 'Seed', kind: 'int', value: '', blank: 'random', help: 'Same seed, same request: same sample.' },
  { key: 'n', label: 'Choices (n)', kind: 'int', min: 1, value: 1, help: 'Completions per request, shown side by side.' },
  { key: 'logprobs', label: 'Show logprobs', kind: 'bool', value: false,
    help: 'Colour tokens by probability; hover one for its logprob and the likeliest alternatives.' },
  { key: 'top_logprobs', label: 'Alternatives', kind: 'int', min: 0, max: 5, value: 3, help: 'Top alternatives per token (0-5).' },
  { key: 'ignore_eos', label: 'Ignore end of sequence', kind: 'bool', value: false,
    help: 'Keep generating past the end-of-sequence token (until max tokens or a stop sequence).' },
];

let form;
const inputs = {};

function element(tag, props = {}, ...children) {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children);
  return el;
}

function row(param) {
  const id = `param-${param.key}`;  // (prefixed: "stop" is also the Stop button)
  const help = element('small', { id: `${id}-help`, className: 'help', textContent: param.help });
  if (param.kind === 'bool') {
    const input = element('input', { type: 'checkbox', id, name: param.key });
    input.setAttribute('aria-describedby', help.id);
    inputs[param.key] = input;
    return element('div', { className: 'param check' }, element('label', { title: param.help }, input, ` ${param.label}`), help);
  }
  const label = element('label', { htmlFor: id, textContent: param.label, title: param.help });
  let input;
  if (param.kind === 'text') {
    input = element('textarea', { id, name: param.key, rows: 2, spellcheck: false });
  } else {
    input = element('input', { type: 'number', id, name: param.key, step: param.kind === 'int' ? 1 : param.step });
    if (param.min !== undefined) input.min = param.min;
    if (param.max !== undefined) input.max = param.max;
    if (param.blank) input.placeholder = param.blank;
  }
  input.setAttribute('aria-describedby', help.id);
  inputs[param.key] = input;
  const out = element('div', { className: `param ${param.kind}` }, label);
  if (param.kind === 'number' && param.min !== undefined && param.max !== undefined) {
    const slider = element('input', { type: 'range', min: param.min, max: param.max, step: param.step, tabIndex: -1 });
    slider.setAttribute('aria-hidden', 'true');  // the number field next to it is the accessible control
    slider.addEventListener('input', () => { input.value = slider.value; input.dispatchEvent(new Event('input', { bubbles: true })); });
    input.addEventListener('input', () => { if (input.value !== '') slider.value = input.value; });
    input.slider = slider;
    out.append(element('div', { className: 'pair' }, slider, input));
  } else {
    out.append(input);
  }
  out.append(help);
  return out;
}

function setValue(param, value) {
  const input = inputs[param.key];
  if (param.kind === 'bool') input.checked = Boolean(value);
  else input.value = value ?? '';
  if (input.slider && input.value !== '') input.slider.value = input.value;
}

// Builds the panel into `formElement` with the `saved` values.
export function initParams(formElement, saved, onReset) {
  form = formElement;
  form.append(...PARAMS.map(row));
  const reset = element('button', { type: 'button', className: 'link', textContent: 'Reset to defaults' });
  reset.addEventListener('click', () => { setValues({}); onReset(); });
  form.append(reset);
  setValues(saved || {});
  form.addEventListener('submit', (e) => e.preventDefault());
  const sync = () => { inputs.top_logprobs.disabled = !inputs.logprobs.checked; };
  inputs.logprobs.addEventListener('change', sync);
  sync();
}

export function setValues(values) {
  for (const param of PARAMS) setValue(param, param.key in values ? values[param.key] : param.value);
  inputs.top_logprobs.disabled = !inputs.logprobs.checked;
}

// The fields as entered, for saving.
export function values() {
  const out = {};
  for (const param of PARAMS) {
    const input = inputs[param.key];
    out[param.key] = param.kind === 'bool' ? input.checked : input.value;
  }
  return out;
}

export function setMaxTokensLimit(limit) {
  if (limit > 0) inputs.max_tokens.max = limit;
}

// "\n" and "\t" in a stop sequence stand for a newline and a tab ("\\" for a backslash).
function unescape(text) {
  return text.replace(/\\(n|t|\\)/g, (_, c) => ({ n: '\n', t: '\t', '\\': '\\' })[c]);
}

// The sampling fields of a request to `mode` ('completion' or 'chat'). Numbers are sent as typed (the
// server validates them and names the parameter it rejects).
export function requestFields(mode) {
  const body = {};
  for (const param of PARAMS) {
    const input = inputs[param.key];
    if (param.kind === 'bool' || param.kind === 'text' || param.key === 'top_logprobs') continue;
    if (input.value.trim() === '') continue;
    const value = Number(input.value);
    if (param.neutral !== undefined && value === param.neutral) continue;
    if (param.key === 'n' && value === 1) continue;
    body[param.key] = value;
  }
  if (!('max_tokens' in body) && mode === 'completion') body.max_tokens = null;  // absent would mean 16
  const stop = inputs.stop.value.split('\n').filter((s) => s !== '').map(unescape);
  if (stop.length) body.stop = stop;
  if (inputs.logprobs.checked) {
    const top = inputs.top_logprobs.value === '' ? 0 : Number(inputs.top_logprobs.value);
    if (mode === 'chat') Object.assign(body, { logprobs: true, top_logprobs: top });
    else body.logprobs = top;
  }
  if (inputs.ignore_eos.checked) body.ignore_eos = true;
  return body;
}

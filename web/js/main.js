// The playground page: mode tabs, model list, a run's lifecycle (stream, stop, statistics, errors),
// keyboard shortcuts and the settings kept in localStorage.
import { ApiError, chatSupport, listModels, setApiKey, stream } from './api.js';
import { ChatView } from './chat.js';
import { CompletionView } from './completion.js';
import { chatEntries, completionEntries, initTooltip } from './logprobs.js';
import { initParams, requestFields, setMaxTokensLimit, values } from './params.js';

const $ = (id) => document.getElementById(id);
const STORAGE_KEY = 'basalt-playground';

function load() {
  try { return JSON.parse(localStorage.getItem(STORAGE_KEY)) || {}; } catch { return {}; }
}
const saved = load();

const views = {
  completion: new CompletionView({ editor: $('document'), choices: $('completion-choices') }),
  chat: new ChatView({ system: $('system'), list: $('messages'), input: $('chat-input'), onChange: () => save() }),
};
const entriesOf = { completion: completionEntries, chat: chatEntries };
const textOf = { completion: CompletionView.text, chat: ChatView.text };
let mode = 'completion';
let models = [];
let controller = null;
const undo = { completion: null, chat: null };

let saveTimer = 0;
function saveNow() {
  clearTimeout(saveTimer);
  saveTimer = 0;
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({
      mode, model: $('model').value || saved.model, params: values(),
      completion: views.completion.snapshot(), chat: views.chat.snapshot(),
    }));
  } catch { /* storage full or disabled: settings are not kept */ }
}
function save() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveNow, 200);
}
window.addEventListener('pagehide', () => { if (saveTimer) saveNow(); });

// ---- mode tabs ----
function setMode(next, { focus = false } = {}) {
  if (next === 'chat' && $('tab-chat').disabled) next = 'completion';
  mode = next;
  for (const m of ['completion', 'chat']) {
    const tab = $(`tab-${m}`);
    tab.setAttribute('aria-selected', String(m === mode));
    tab.tabIndex = m === mode ? 0 : -1;
    $(`panel-${m}`).hidden = m !== mode;
  }
  $('undo').disabled = !undo[mode];
  if (focus) $(`tab-${mode}`).focus();
  save();
}

for (const m of ['completion', 'chat']) $(`tab-${m}`).addEventListener('click', () => setMode(m));
document.querySelector('.tabs').addEventListener('keydown', (e) => {
  if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') setMode(mode === 'chat' ? 'completion' : 'chat', { focus: true });
});

// ---- models ----
async function loadModels() {
  try {
    models = await listModels();
  } catch (e) {
    showError(e, 'Cannot list the models');
    return;
  }
  $('model').replaceChildren(...models.map((m) => new Option(m.id, m.id)));
  if (saved.model && models.some((m) => m.id === saved.model)) $('model').value = saved.model;
  await modelChanged();
}

async function modelChanged() {
  const model = models.find((m) => m.id === $('model').value);
  if (!model) return;
  $('model-info').textContent = model.max_model_len ? `context ${model.max_model_len} tokens` : '';
  setMaxTokensLimit(model.max_model_len);
  const chat = await chatSupport(model);
  $('tab-chat').disabled = !chat.available;
  $('chat-note').hidden = chat.available;
  $('chat-note').textContent = chat.available ? '' : `Chat is unavailable: ${chat.reason} Chat requests need the model's `
    + 'chat template to format the messages; use Completion mode, or start the gateway with --chat-template FILE.';
  $('tab-chat').title = chat.available ? '' : 'This model has no chat template';
  setMode(chat.available ? (saved.mode || mode) : 'completion');
  saved.mode = null;  // only the first time
  document.body.dataset.ready = 'true';  // (for the tests: the model and its chat support are known)
}
$('model').addEventListener('change', () => { modelChanged(); save(); });

// ---- errors and statistics ----
function showError(e, prefix = '') {
  const box = $('error');
  box.replaceChildren();
  const title = document.createElement('strong');
  const details = [];
  if (e instanceof ApiError) {
    if (e.status && !e.inStream) details.push(`HTTP ${e.status}`);
    if (e.type) details.push(e.type);
    if (e.param) details.push(`param: ${e.param}`);
    if (e.code) details.push(`code: ${e.code}`);
    title.textContent = e.inStream ? 'The generation failed' : 'The request failed';
  } else {
    title.textContent = prefix || 'Error';
  }
  const message = document.createElement('p');
  message.textContent = e.message;
  box.append(title, details.length ? ` (${details.join(' · ')})` : '', message);
  box.hidden = false;
}

function clearError() { $('error').hidden = true; $('error').replaceChildren(); }

function showStats(state, text) {
  $('stats').dataset.state = state;
  $('stats').textContent = text;
}

const ms = (t) => (t < 1000 ? `${Math.round(t)} ms` : `${(t / 1000).toFixed(2)} s`);

function summary(run, state) {
  const end = performance.now();
  const parts = [];
  const exact = run.usage !== null;
  const tokens = exact ? run.usage.completion_tokens : run.tokens || run.chunks;
  parts.push(`${exact ? '' : '~'}${tokens} token${tokens === 1 ? '' : 's'}`
    + (exact ? ` (prompt ${run.usage.prompt_tokens})` : ''));
  if (run.first !== null) {
    parts.push(`first token ${ms(run.first - run.start)}`);
    const decoded = tokens - run.n;
    // (over less than 10 ms the rate is noise: tokens that came in one network read)
    if (decoded > 0 && end - run.first >= 10) parts.push(`${(decoded / ((end - run.first) / 1000)).toFixed(1)} tokens/s`);
  }
  parts.push(`total ${ms(end - run.start)}`);
  if (state === 'done') parts.push(`finish: ${run.finish.map((f) => f ?? '?').join(', ')}`);
  return (state === 'stopped' ? 'Stopped · ' : '') + parts.join(' · ');
}

// ---- a run ----
async function run() {
  if (controller) return;
  const view = views[mode];
  const runMode = mode;
  clearError();
  let request;
  try {
    const fields = requestFields(runMode);
    request = view.request(fields);
  } catch (e) {
    showError(e, 'Nothing to send');
    return;
  }
  const body = { model: $('model').value, ...request.body, stream: true, stream_options: { include_usage: true } };
  $('request-json').textContent = JSON.stringify(body, null, 2);
  undo[runMode] = view.snapshot();
  const n = body.n || 1;
  const sinks = view.begin(n);
  controller = new AbortController();
  setRunning(true);
  showStats('running', 'Generating…');
  delete $('stats').dataset.responseId;
  const r = { start: performance.now(), first: null, id: null, usage: null, tokens: 0, chunks: 0, n, finish: Array(n).fill(null) };
  let state = 'done';
  let followQueued = false;
  try {
    for await (const chunk of stream(request.path, body, { signal: controller.signal })) {
      if (chunk.usage) r.usage = chunk.usage;
      if (r.id === null) {
        r.id = chunk.id;
        $('stats').dataset.responseId = chunk.id;
      }
      for (const choice of chunk.choices || []) {
        const text = textOf[runMode](choice);
        const entries = entriesOf[runMode](choice.logprobs);
        if (r.first === null && (text || (entries && entries.length) || choice.finish_reason)) r.first = performance.now();
        if (text) r.chunks++;
        if (entries) r.tokens += entries.length;
        const sink = sinks[choice.index];
        if (sink) sink.append(text, entries);
        if (choice.finish_reason) r.finish[choice.index] = choice.finish_reason;
      }
      if (!followQueued) {
        followQueued = true;
        requestAnimationFrame(() => { followQueued = false; view.follow(); });
      }
    }
  } catch (e) {
    if (e.name === 'AbortError') {
      state = 'stopped';
    } else {
      state = 'error';
      showError(e);
    }
  } finally {
    controller = null;
    view.end();
    setRunning(false);
    $('undo').disabled = false;
    showStats(state, state === 'error' && r.first === null ? '' : summary(r, state));
    save();
  }
}

function stop() { if (controller) controller.abort(); }

function setRunning(running) {
  $('run').disabled = running;
  $('stop').disabled = !running;
  $('model').disabled = running;
  document.body.classList.toggle('running', running);
}

$('run').addEventListener('click', run);
$('stop').addEventListener('click', stop);
$('undo').addEventListener('click', () => {
  if (controller || !undo[mode]) return;
  views[mode].restore(undo[mode]);
  undo[mode] = null;
  $('undo').disabled = true;
  save();
});
$('clear').addEventListener('click', () => {
  if (controller) return;
  undo[mode] = views[mode].snapshot();
  views[mode].clear();
  $('undo').disabled = false;
  save();
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    run();
  } else if (e.key === 'Escape' && controller) {
    stop();
  }
});
document.addEventListener('input', save);

// ---- start ----
const apiKey = sessionStorage.getItem(`${STORAGE_KEY}-key`) || '';
$('api_key').value = apiKey;
setApiKey(apiKey);
$('connection').addEventListener('submit', (e) => e.preventDefault());
$('api_key').addEventListener('change', () => {
  setApiKey($('api_key').value);
  sessionStorage.setItem(`${STORAGE_KEY}-key`, $('api_key').value);
  loadModels();
});
initParams($('params'), saved.params, save);
initTooltip($('tip'));
views.completion.restore(saved.completion || { parts: [['Once upon a time', false]] });
views.chat.restore(saved.chat);
$('undo').disabled = true;
if (window.matchMedia('(max-width: 760px)').matches) $('params-details').open = false;
loadModels();

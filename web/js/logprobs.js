// Streamed text rendered into an element: plain text, or with logprobs one span per token, coloured by
// its probability, whose tooltip shows the logprob and the likeliest alternatives.

// A token entry: {token, logprob, top: [{token, logprob}, ...]}. These read both endpoints' shapes.
export function completionEntries(logprobs) {
  if (!logprobs || !logprobs.tokens) return null;
  return logprobs.tokens.map((token, i) => ({
    token,
    logprob: logprobs.token_logprobs[i],
    top: Object.entries((logprobs.top_logprobs && logprobs.top_logprobs[i]) || {})
      .map(([t, lp]) => ({ token: t, logprob: lp }))
      .sort((a, b) => b.logprob - a.logprob),
  }));
}

export function chatEntries(logprobs) {
  if (!logprobs || !logprobs.content) return null;
  return logprobs.content.map((c) => ({ token: c.token, logprob: c.logprob, top: c.top_logprobs || [] }));
}

function tokenSpan(text, entries) {
  const span = document.createElement('span');
  span.className = 'tok';
  span.textContent = text;
  const logprob = entries.reduce((sum, e) => sum + (e.logprob ?? 0), 0);
  span.dataset.logprob = String(logprob);
  span.style.setProperty('--p', Math.exp(logprob).toFixed(3));
  span.entries = entries;
  if (text === '') {  // a token with no text (end of sequence, a skipped special token): shown by CSS only,
    span.classList.add('special');  // so that the element's text stays the completion's
    span.dataset.token = entries.map((e) => e.token).join('');
  }
  return span;
}

// Appends streamed text to `el` (the element's textContent is always exactly the text received).
export class TokenStream {
  constructor(el) {
    this.el = el;
    this.tokens = 0;  // tokens seen in logprobs
  }

  append(text, entries) {
    if (!entries || entries.length === 0) {
      if (!text) return;
      const last = this.el.lastChild;
      if (last && last.nodeType === Node.TEXT_NODE) last.appendData(text);
      else this.el.append(text);
      return;
    }
    this.tokens += entries.length;
    // One span per token when the tokens spell the text; else (stop sequences cut it, bytes of one
    // character spread over tokens) one span for the chunk; tokens without text get an empty marker each.
    if (entries.map((e) => e.token).join('') === text) {
      this.el.append(...entries.map((e) => tokenSpan(e.token, [e])));
    } else if (text === '') {
      this.el.append(...entries.map((e) => tokenSpan('', [e])));
    } else {
      this.el.append(tokenSpan(text, entries));
    }
  }
}

const percent = (logprob) => `${(Math.exp(logprob) * 100).toPrecision(3)}%`;
// Whitespace made visible in the tooltip.
const visible = (token) => token.replace(/ /g, '␣').replace(/\n/g, '↵').replace(/\t/g, '⇥') || '∅';

function tipContent(tip, span) {
  tip.replaceChildren();
  for (const entry of span.entries) {
    const head = document.createElement('div');
    head.className = 'tip-head';
    const code = document.createElement('code');
    code.textContent = visible(entry.token);
    head.append(code, ` logprob ${entry.logprob === null ? 'n/a' : entry.logprob.toFixed(4)}`,
      entry.logprob === null ? '' : ` (${percent(entry.logprob)})`);
    tip.append(head);
    if (entry.top.length === 0) continue;
    const table = document.createElement('table');
    for (const alt of entry.top) {
      const tr = table.insertRow();
      if (alt.token === entry.token) tr.className = 'chosen';
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${Math.max(2, Math.exp(alt.logprob) * 60)}px`;
      tr.insertCell().append(Object.assign(document.createElement('code'), { textContent: visible(alt.token) }));
      tr.insertCell().textContent = alt.logprob.toFixed(3);
      tr.insertCell().append(bar, ` ${percent(alt.logprob)}`);
    }
    tip.append(table);
  }
}

// One tooltip for every token span of the page: on hover, or pinned by a click (for touch screens).
export function initTooltip(tip) {
  let pinned = null;
  const show = (span) => {
    tipContent(tip, span);
    tip.hidden = false;
    const r = span.getBoundingClientRect();
    const t = tip.getBoundingClientRect();
    const left = Math.min(Math.max(4, r.left), window.innerWidth - t.width - 4);
    const below = r.bottom + 6 + t.height < window.innerHeight;
    tip.style.left = `${left}px`;
    tip.style.top = `${below ? r.bottom + 6 : Math.max(4, r.top - t.height - 6)}px`;
  };
  const hide = () => { tip.hidden = true; };
  document.addEventListener('mouseover', (e) => {
    const span = e.target.closest && e.target.closest('.tok');
    if (span && span.entries) show(span);
    else if (!pinned) hide();
  });
  document.addEventListener('click', (e) => {
    const span = e.target.closest && e.target.closest('.tok');
    pinned = span && span.entries && span !== pinned ? span : null;
    if (pinned) show(pinned);
    else hide();
  });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') { pinned = null; hide(); } });
  window.addEventListener('scroll', () => { if (!pinned) hide(); }, true);
}

// Completion mode: one editable document. A run sends all of its text as the prompt and streams the
// continuation into it, highlighted; the next run continues from there. With n > 1 the choices are
// shown side by side under it, each with a button that appends it to the document.
import { TokenStream } from './logprobs.js';

export class CompletionView {
  constructor({ editor, choices }) {
    this.editor = editor;
    this.choices = choices;
    // Browsers without contenteditable="plaintext-only" get a rich-text one that inserts plain text.
    this.editable = editor.contentEditable === 'plaintext-only' ? 'plaintext-only' : 'true';
    if (this.editable === 'true') {
      editor.contentEditable = 'true';
      editor.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey) { e.preventDefault(); document.execCommand('insertText', false, '\n'); }
      });
      editor.addEventListener('paste', (e) => {
        e.preventDefault();
        document.execCommand('insertText', false, e.clipboardData.getData('text/plain'));
      });
    }
    editor.addEventListener('input', () => this.editor.classList.toggle('empty', this.editor.textContent === ''));
    editor.addEventListener('beforeinput', (e) => this.typeAfterGenerated(e));
  }

  // Text typed at the end of a generated part is the user's, not the model's: it goes after the highlight.
  typeAfterGenerated(e) {
    const text = { insertText: e.data, insertLineBreak: '\n', insertParagraph: '\n' }[e.inputType];
    const selection = getSelection();
    if (typeof text !== 'string' || !selection.isCollapsed || !selection.anchorNode) return;
    const anchor = selection.anchorNode;
    const gen = (anchor.nodeType === Node.TEXT_NODE ? anchor.parentElement : anchor).closest('.gen');
    if (!gen || !this.editor.contains(gen)) return;
    const rest = document.createRange();
    rest.selectNodeContents(gen);
    rest.setStart(anchor, selection.anchorOffset);
    if (rest.toString() !== '') return;  // inside the generated text: an edit of it
    e.preventDefault();
    let node = gen.nextSibling;
    if (!node || node.nodeType !== Node.TEXT_NODE) node = gen.parentNode.insertBefore(document.createTextNode(''), gen.nextSibling);
    node.insertData(0, text);
    selection.collapse(node, text.length);
    this.editor.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: e.inputType, data: text }));
  }

  // Keeps the end of the document in view while text streams in, unless the user scrolled up.
  follow() {
    const el = this.editor;
    if (el.scrollHeight - el.scrollTop - el.clientHeight < 40) el.scrollTop = el.scrollHeight;
  }

  // The document as [text, generated] pairs (generated text keeps its highlight across reloads).
  snapshot() {
    const parts = [];
    for (const node of this.editor.childNodes) {
      const generated = node.nodeType === Node.ELEMENT_NODE && node.classList.contains('gen');
      const text = node.textContent;
      if (text === '') continue;
      const last = parts[parts.length - 1];
      if (last && !last[1] && !generated) last[0] += text;
      else parts.push([text, generated]);
    }
    return { parts };
  }

  restore(state) {
    this.editor.replaceChildren(...(state?.parts || []).map(([text, generated]) => (
      generated ? Object.assign(document.createElement('span'), { className: 'gen', textContent: text }) : document.createTextNode(text))));
    this.editor.classList.toggle('empty', this.editor.textContent === '');
    this.choices.replaceChildren();
    this.choices.hidden = true;
  }

  clear() { this.restore(null); }

  // The request body (without model and stream fields); throws an Error a user can act on.
  request(fields) {
    const prompt = this.editor.textContent;
    if (prompt === '') throw new Error('Write a prompt first.');
    return { path: '/v1/completions', body: { prompt, ...fields } };
  }

  // Output targets of a run of n choices: [TokenStream].
  begin(n) {
    this.editor.contentEditable = 'false';
    for (const old of this.editor.querySelectorAll('.gen.latest')) old.classList.remove('latest');
    this.choices.replaceChildren();
    this.choices.hidden = n === 1;
    if (n === 1) {
      const span = document.createElement('span');
      span.className = 'gen latest';
      this.editor.append(span);
      this.editor.scrollTop = this.editor.scrollHeight;
      return [new TokenStream(span)];
    }
    return Array.from({ length: n }, (_, i) => {
      const body = Object.assign(document.createElement('div'), { className: 'choice-text' });
      const use = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Append to prompt' });
      use.setAttribute('aria-label', `Append choice ${i + 1} to the prompt`);
      use.addEventListener('click', () => {
        const span = Object.assign(document.createElement('span'), { className: 'gen', textContent: body.textContent });
        this.editor.append(span);
        this.editor.dispatchEvent(new Event('input', { bubbles: true }));
      });
      const head = document.createElement('div');
      head.className = 'choice-head';
      head.append(`Choice ${i + 1}`, use);
      const column = Object.assign(document.createElement('section'), { className: 'choice' });
      column.setAttribute('aria-label', `Choice ${i + 1}`);
      column.append(head, body);
      this.choices.append(column);
      return new TokenStream(body);
    });
  }

  end() {
    const latest = this.editor.querySelector('.gen.latest');
    const empty = (el) => el.textContent === '' && !el.querySelector('.tok');
    if (latest && empty(latest)) latest.remove();
    if ([...this.choices.querySelectorAll('.choice-text')].every(empty)) {  // failed before any text
      this.choices.replaceChildren();
      this.choices.hidden = true;
    }
    this.editor.contentEditable = this.editable;
    this.editor.classList.toggle('empty', this.editor.textContent === '');
  }

  // Text of the chunk's choice (completions chunks carry `text`).
  static text(choice) { return choice.text || ''; }

  focus() { this.editor.focus(); }
}

// Chat mode: a system prompt, an editable list of user/assistant messages and a message box. A run adds
// the box's text as a user message, sends the conversation and streams the assistant's reply into a new
// message. With n > 1 the reply shows the choices side by side; the one picked is the message's content.
import { TokenStream } from './logprobs.js';

function button(text, label, onClick) {
  const b = Object.assign(document.createElement('button'), { type: 'button', textContent: text });
  if (label) b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

export class ChatView {
  constructor({ system, list, input, onChange }) {
    Object.assign(this, { system, list, input, onChange });
    const probe = document.createElement('div');
    probe.setAttribute('contenteditable', 'plaintext-only');
    this.editable = probe.contentEditable === 'plaintext-only' ? 'plaintext-only' : 'true';
  }

  // A message element; `content` is text, or null for a reply about to stream.
  addMessage(role, content) {
    const li = document.createElement('li');
    li.className = 'msg';
    li.dataset.role = role;
    const roleButton = button(role, null, () => {
      li.dataset.role = li.dataset.role === 'user' ? 'assistant' : 'user';
      roleButton.textContent = li.dataset.role;
      roleButton.title = `Switch to ${li.dataset.role === 'user' ? 'assistant' : 'user'}`;
      this.onChange();
    });
    roleButton.className = 'role';
    roleButton.title = `Switch to ${role === 'user' ? 'assistant' : 'user'}`;
    const body = document.createElement('div');
    body.className = 'content';
    body.setAttribute('role', 'textbox');
    body.setAttribute('aria-multiline', 'true');
    body.setAttribute('aria-label', `${role} message`);
    body.textContent = content ?? '';
    body.contentEditable = content === null ? 'false' : this.editable;
    const remove = button('×', 'Remove message', () => { li.remove(); this.onChange(); });
    remove.className = 'remove';
    li.append(roleButton, body, remove);
    this.list.append(li);
    return li;
  }

  // The text a message stands for: its content, or the picked choice of a reply with several.
  static content(li) {
    const picked = li.querySelector('.choice.picked .choice-text');
    return (picked || li.querySelector('.content')).textContent;
  }

  messages() {
    return [...this.list.children].map((li) => ({ role: li.dataset.role, content: ChatView.content(li) }));
  }

  snapshot() {
    return { system: this.system.value, messages: this.messages(), input: this.input.value };
  }

  restore(state) {
    this.system.value = state?.system ?? '';
    this.input.value = state?.input ?? '';
    this.list.replaceChildren();
    for (const m of state?.messages || []) this.addMessage(m.role === 'assistant' ? 'assistant' : 'user', m.content);
  }

  clear() { this.restore({ system: this.system.value }); }

  request(fields) {
    const messages = this.messages();
    const text = this.input.value;
    if (text.trim() !== '') messages.push({ role: 'user', content: text });
    if (messages.length === 0) throw new Error('Write a message first.');
    if (this.system.value.trim() !== '') messages.unshift({ role: 'system', content: this.system.value });
    return { path: '/v1/chat/completions', body: { messages, ...fields } };
  }

  begin(n) {
    if (this.input.value.trim() !== '') {
      this.addMessage('user', this.input.value);
      this.input.value = '';
    }
    const li = this.addMessage('assistant', null);
    li.classList.add('latest');
    for (const old of this.list.querySelectorAll('.msg.latest')) if (old !== li) old.classList.remove('latest');
    this.reply = li;
    li.scrollIntoView({ block: 'nearest' });
    if (n === 1) return [new TokenStream(li.querySelector('.content'))];
    const grid = document.createElement('div');
    grid.className = 'choices';
    li.querySelector('.content').replaceWith(grid);
    return Array.from({ length: n }, (_, i) => {
      const column = document.createElement('section');
      column.className = `choice${i === 0 ? ' picked' : ''}`;
      column.setAttribute('aria-label', `Choice ${i + 1}`);
      const head = document.createElement('label');
      head.className = 'choice-head';
      const radio = Object.assign(document.createElement('input'), { type: 'radio', name: `pick-${++ChatView.replies}`, checked: i === 0 });
      radio.addEventListener('change', () => {
        for (const c of grid.children) c.classList.toggle('picked', c === column);
        this.onChange();
      });
      head.title = 'The picked choice is the reply that later requests send';
      head.append(radio, ` Choice ${i + 1}`);
      const body = Object.assign(document.createElement('div'), { className: 'choice-text' });
      column.append(head, body);
      grid.append(column);
      return new TokenStream(body);
    });
  }

  end() {
    const reply = this.reply;
    this.reply = null;
    if (!reply) return;
    const content = reply.querySelector('.content');
    if (content) content.contentEditable = this.editable;
    if (ChatView.content(reply) === '' && !reply.querySelector('.tok')) reply.remove();  // failed before any text
  }

  static replies = 0;  // names the radio group of each reply with choices

  // Keeps the streaming reply in view.
  follow() {
    if (this.reply) this.reply.scrollIntoView({ block: 'nearest' });
  }

  // Text of the chunk's choice (chat chunks carry `delta.content`).
  static text(choice) { return (choice.delta && choice.delta.content) || ''; }

  focus() { this.input.focus(); }
}

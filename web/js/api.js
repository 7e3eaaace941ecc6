// The gateway's OpenAI-compatible HTTP API: JSON calls, and streamed requests read as server-sent
// events (`data: {json}` events ended by `data: [DONE]`; an error inside a stream is `data: {"error":...}`).

// An API failure with the fields of OpenAI's envelope {"error": {message, type, param, code}}.
export class ApiError extends Error {
  constructor(message, { status = 0, type = null, param = null, code = null, inStream = false } = {}) {
    super(message);
    this.name = 'ApiError';
    Object.assign(this, { status, type, param, code, inStream });
  }
}

let apiKey = '';
export function setApiKey(key) { apiKey = key; }

function headers() {
  const h = { 'Content-Type': 'application/json' };
  if (apiKey) h.Authorization = `Bearer ${apiKey}`;
  return h;
}

async function errorOf(res) {
  const text = await res.text().catch(() => '');
  try {
    const { error } = JSON.parse(text);
    if (error && typeof error.message === 'string') return new ApiError(error.message, { ...error, status: res.status });
  } catch { /* not the envelope */ }
  return new ApiError(`${res.status} ${res.statusText}${text ? `: ${text.slice(0, 300)}` : ''}`, { status: res.status });
}

async function call(path, { method = 'GET', body, signal } = {}) {
  const res = await fetch(path, { method, headers: headers(), signal, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw await errorOf(res);
  return res.json();
}

export async function listModels() {
  return (await call('/v1/models')).data;
}

// Whether /v1/chat/completions works for `model`: {available, reason}. The gateway says so in the model
// object (has_chat_template); an older one is asked with a one-token chat request, which answers 400
// "...no chat template..." when it cannot format messages.
export async function chatSupport(model) {
  if (typeof model.has_chat_template === 'boolean') {
    return { available: model.has_chat_template, reason: model.has_chat_template ? '' : 'This model has no chat template.' };
  }
  try {
    await call('/v1/chat/completions', {
      method: 'POST', body: { model: model.id, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 },
    });
    return { available: true, reason: '' };
  } catch (e) {
    if (e.status === 400 && /chat template/i.test(e.message)) return { available: false, reason: e.message };
    return { available: true, reason: '' };  // some other failure: let a real request show it
  }
}

// The data payloads of an SSE body, as strings, up to `[DONE]`. Throws when the body ends without it
// (the connection dropped).
export async function* sseData(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let data = [];
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        let line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '') {  // end of an event
          if (data.length === 0) continue;
          const payload = data.join('\n');
          data = [];
          if (payload === '[DONE]') { finished = true; return; }
          yield payload;
        } else if (line.startsWith('data:')) {
          data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        }  // comments (": keep-alive") and other fields are ignored
      }
      if (done) { finished = true; throw new ApiError('The connection closed before the end of the stream.'); }
    }
  } finally {
    if (!finished) reader.cancel().catch(() => {});
  }
}

// POSTs a streaming request and yields its chunks (parsed JSON). HTTP errors and error events throw
// ApiError; aborting `signal` throws an AbortError (and closes the connection: the gateway then cancels
// the generation).
export async function* stream(path, body, { signal } = {}) {
  const res = await fetch(path, { method: 'POST', headers: headers(), body: JSON.stringify(body), signal });
  if (!res.ok) throw await errorOf(res);
  for await (const payload of sseData(res.body)) {
    let chunk;
    try {
      chunk = JSON.parse(payload);
    } catch {
      throw new ApiError(`Malformed event from the server: ${payload.slice(0, 200)}`);
    }
    if (chunk.error) throw new ApiError(chunk.error.message, { ...chunk.error, status: res.status, inStream: true });
    yield chunk;
  }
}

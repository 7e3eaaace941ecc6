// Shared helpers of the e2e tests (run by run_e2e.mjs, which sets BASALT_URL).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import OpenAI from 'openai';

export const baseUrl = process.env.BASALT_URL;
if (!baseUrl) throw new Error('BASALT_URL is not set: run the tests through tests/e2e/run_e2e.mjs');
export const isFake = process.env.BASALT_E2E_FAKE === '1';

// Encoder-decoder models (T5, BART) take the prompt into the encoder: it has no logprobs and does not
// share the completion's context (config.json of the model directory says which kind it is).
const configPath = process.env.BASALT_MODEL_DIR ? join(process.env.BASALT_MODEL_DIR, 'config.json') : '';
export const isEncoderDecoder =
  !isFake && configPath !== '' && existsSync(configPath) && JSON.parse(readFileSync(configPath, 'utf8')).is_encoder_decoder === true;

export const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: process.env.BASALT_API_KEY || 'none', maxRetries: 0 });

let modelInfo;
// The served model (first entry of /v1/models): {id, max_model_len, ...}.
export async function model() {
  if (!modelInfo) {
    const res = await fetch(`${baseUrl}/v1/models`);
    modelInfo = (await res.json()).data[0];
  }
  return modelInfo;
}

// Raw HTTP: returns {status, headers, text, json}.
export async function raw(path, { method = 'POST', body, headers = {} } = {}) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

export async function tokenCount(prompt) {
  const { json } = await raw('/tokenize', { body: { prompt } });
  return json.count;
}

// The data payloads of an SSE body.
export function sseData(text) {
  return text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
}

// Asserts an OpenAI error envelope: {error: {message, type, param, code}} and nothing else.
export function assertEnvelope(assert, json, { type = 'invalid_request_error', param, code } = {}) {
  assert.ok(json && typeof json === 'object' && json.error, `not an error envelope: ${JSON.stringify(json)}`);
  assert.deepEqual(Object.keys(json), ['error']);
  assert.deepEqual(Object.keys(json.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(typeof json.error.message, 'string');
  assert.ok(json.error.message.length > 0);
  assert.equal(json.error.type, type);
  if (param !== undefined) assert.equal(json.error.param, param);
  if (code !== undefined) assert.equal(json.error.code, code);
}

// The worker's basalt.v1.Worker service over gRPC, with descriptors from server reflection.
export async function workerService() {
  const grpc = (await import('@grpc/grpc-js')).default;
  const { GrpcReflection } = await import('grpc-js-reflection-client');
  const addr = process.env.BASALT_WORKER_ADDR;
  const reflection = new GrpcReflection(addr, grpc.credentials.createInsecure());
  const descriptor = await reflection.getDescriptorBySymbol('basalt.v1.Worker');
  const pkg = descriptor.getPackageObject({ keepCase: true, longs: Number, enums: String, defaults: true });
  return new pkg.basalt.v1.Worker(addr, grpc.credentials.createInsecure());
}

// Unary call on a grpc-js client as a promise.
export function call(service, method, request) {
  return new Promise((resolve, reject) => service[method](request, (e, r) => (e ? reject(e) : resolve(r))));
}

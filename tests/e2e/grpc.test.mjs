// The worker's gRPC API as any gRPC client sees it, with no .proto file: the descriptors come from server
// reflection (what `grpcurl -plaintext HOST:PORT list` uses). Health, ModelInfo, and a Generate stream
// cancelled in the middle on the same stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import grpc from '@grpc/grpc-js';
import { GrpcReflection } from 'grpc-js-reflection-client';

import { isFake, workerService } from './lib.mjs';

const addr = process.env.BASALT_WORKER_ADDR;
const skip = isFake ? 'the fake worker does not serve reflection' : false;

test('reflection lists the worker, health and reflection services', { skip }, async () => {
  const reflection = new GrpcReflection(addr, grpc.credentials.createInsecure());
  const services = await reflection.listServices();
  for (const name of ['basalt.v1.Worker', 'grpc.health.v1.Health', 'grpc.reflection.v1alpha.ServerReflection']) {
    assert.ok(services.includes(name), `${name} missing from ${services}`);
  }
  const methods = (await reflection.listMethods('basalt.v1.Worker')).map((m) => m.name);
  for (const name of ['Generate', 'Tokenize', 'Detokenize', 'ModelInfo', 'GetTokenizer']) assert.ok(methods.includes(name));
});

test('health check says SERVING', { skip }, async () => {
  // gRPC C++ serves the health service without registering its .proto for reflection, so the call is
  // made by hand: an empty HealthCheckRequest (the whole server); the reply's field 1 is the status.
  const client = new grpc.Client(addr, grpc.credentials.createInsecure());
  const reply = await new Promise((resolve, reject) => client.makeUnaryRequest(
    '/grpc.health.v1.Health/Check', () => Buffer.alloc(0), (b) => b, {}, (e, r) => (e ? reject(e) : resolve(r))));
  client.close();
  assert.deepEqual([...reply], [0x08, 0x01]);  // status = SERVING
});

test('ModelInfo describes the model', { skip }, async () => {
  const worker = await workerService();
  const info = await new Promise((resolve, reject) => worker.ModelInfo({}, (e, r) => (e ? reject(e) : resolve(r))));
  assert.ok(info.name.length > 0);
  assert.ok(info.max_model_len > 0);
  assert.ok(info.vocab_size > 0);
  assert.equal(info.device, 'cpu');
});

test('a Generate stream can be cancelled on the same stream', { skip }, async () => {
  const worker = await workerService();
  const call = worker.Generate();
  const received = [];
  const ended = new Promise((resolve) => {
    call.on('error', (e) => resolve({ code: e.code, details: e.details }));
    call.on('end', () => resolve({ code: grpc.status.OK }));
  });
  call.on('data', (message) => {
    received.push(message);
    if (received.length === 2) call.write({ cancel: { reason: 'e2e test' } });
  });
  call.write({
    request: {
      request_id: 'e2e-cancel', text: 'Call me Ishmael.',
      sampling: { temperature: 0 }, stopping: { max_tokens: 0, ignore_eos: true },  // 0: up to the context
    },
  });
  const end = await ended;
  assert.equal(end.code, grpc.status.CANCELLED, JSON.stringify(end));
  const tokens = received.reduce((n, m) => n + m.choices.reduce((k, c) => k + c.tokens.length, 0), 0);
  assert.ok(tokens >= 2 && tokens < 400, `tokens ${tokens}`);
});

test('a Generate stream ends with usage and OK', { skip }, async () => {
  const worker = await workerService();
  const call = worker.Generate();
  const messages = [];
  const ended = new Promise((resolve, reject) => {
    call.on('data', (m) => messages.push(m));
    call.on('error', reject);
    call.on('end', resolve);
  });
  call.write({ request: { text: 'Hello', sampling: { temperature: 0 }, stopping: { max_tokens: 5, ignore_eos: true } } });
  call.end();
  await ended;
  const last = messages.at(-1);
  assert.equal(last.usage.completion_tokens, 5);
  const text = messages.flatMap((m) => m.choices.map((c) => c.text)).join('');
  assert.equal(typeof text, 'string');
  const finish = messages.flatMap((m) => m.choices.map((c) => c.finish_reason)).filter((f) => f !== 'FINISH_REASON_UNSPECIFIED');
  assert.deepEqual(finish, ['FINISH_REASON_LENGTH']);
});

#!/usr/bin/env node
// End-to-end harness: starts a worker and a gateway on free loopback ports, waits until the gateway's
// /health answers 200, runs node:test files against it, then stops both. Generic over the worker:
// the real basalt-worker with a model directory, or the basalt-fake-worker test double.
//
//   node tests/e2e/run_e2e.mjs --worker-bin build/bin/basalt-worker --model tests/fixtures/models/<m> \
//     --gateway-bin build/bin/basalt-gateway [--worker-arg=--device=cpu]... [--gateway-arg=...]... \
//     [--fake] [--timeout 180] [test files...]
//
// Test files default to tests/e2e/*.test.mjs. They get BASALT_URL (the gateway), BASALT_WORKER_ADDR,
// BASALT_WORKER_ARGS (the --worker-arg values, space-separated),
// BASALT_WORKER_LOG (the worker's stderr, to check what it logged), BASALT_GATEWAY_LOG, BASALT_MODEL_DIR and,
// with --fake,
// BASALT_E2E_FAKE=1 (tests of the fake worker's scripted replies run only then).
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

function parseArgs(argv) {
  const options = { workerArgs: [], gatewayArgs: [], tests: [], timeout: 180, fake: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (name) {
      case '--worker-bin': options.workerBin = value(); break;
      case '--gateway-bin': options.gatewayBin = value(); break;
      case '--model': options.model = value(); break;
      case '--worker-arg': options.workerArgs.push(value()); break;
      case '--gateway-arg': options.gatewayArgs.push(value()); break;
      case '--timeout': options.timeout = Number(value()); break;
      case '--fake': options.fake = true; break;
      default:
        if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
        options.tests.push(resolve(arg));
    }
  }
  for (const required of ['workerBin', 'gatewayBin', 'model']) {
    if (!options[required]) throw new Error(`--${required.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} is required`);
  }
  if (options.tests.length === 0) {
    options.tests = readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join(here, f));
  }
  return options;
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const children = [];
function start(name, bin, args, logPath) {
  const log = createWriteStream(logPath);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.exited = new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
  child.on('error', (e) => console.error(`${name}: ${e.message}`));
  children.push({ name, child, logPath });
  console.log(`started ${name}: ${bin} ${args.join(' ')}`);
  return child;
}

async function stopAll() {
  await Promise.all(children.map(async ({ child }) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await child.exited;
    clearTimeout(timer);
  }));
}

function dumpLogs() {
  for (const { name, logPath } of children) {
    console.error(`----- ${name} log (${logPath}) -----`);
    try { console.error(readFileSync(logPath, 'utf8').split('\n').slice(-60).join('\n')); } catch { /* none */ }
  }
}

async function waitHealthy(url, timeoutSeconds) {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    for (const { name, child } of children) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited early (${child.exitCode ?? child.signalCode})`);
    }
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url}/health did not answer 200 within ${timeoutSeconds} s`);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const logs = mkdtempSync(join(tmpdir(), 'basalt-e2e-'));
  const workerPort = await freePort();
  const gatewayPort = await freePort();
  const workerAddr = `127.0.0.1:${workerPort}`;
  const url = `http://127.0.0.1:${gatewayPort}`;
  const workerLog = join(logs, 'worker.log');
  const gatewayLog = join(logs, 'gateway.log');

  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, async () => { await stopAll(); process.exit(130); });
  }
  let code = 1;
  try {
    start('worker', options.workerBin, ['--model', options.model, '--listen', workerAddr, ...options.workerArgs], workerLog);
    start('gateway', options.gatewayBin,
      ['--worker', workerAddr, '--listen', `127.0.0.1:${gatewayPort}`, '--web', join(root, 'web'), ...options.gatewayArgs],
      gatewayLog);
    await waitHealthy(url, options.timeout);
    console.log(`gateway healthy at ${url}; running ${options.tests.length} test file(s)`);
    const env = {
      ...process.env,
      BASALT_URL: url,
      BASALT_WORKER_ADDR: workerAddr,
      BASALT_WORKER_LOG: workerLog,
      BASALT_GATEWAY_LOG: gatewayLog,
      BASALT_MODEL_DIR: resolve(options.model),
      BASALT_WORKER_ARGS: options.workerArgs.join(' '),
      ...(options.fake ? { BASALT_E2E_FAKE: '1' } : {}),
    };
    const tests = spawn(process.execPath, ['--test', '--test-reporter=spec', ...options.tests], { stdio: 'inherit', env, cwd: root });
    code = await new Promise((r) => tests.on('exit', (c) => r(c ?? 1)));
  } catch (e) {
    console.error(`e2e harness: ${e.message}`);
    code = 1;
  }
  if (code !== 0) dumpLogs();
  await stopAll();
  process.exit(code);
}

main();

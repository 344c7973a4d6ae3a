// common.js is what every interop script shares: the SDK with a WebSocket
// handed to it (Node 20 has none built in), one JSON line per step on
// stdout, exit 1 at the first failure (or an uncaught SDK exception, or the
// overall timeout), and small helpers for events and the REST API.
'use strict';

const http = require('http');
const interactive = require('@mixer/interactive-node');
const WebSocket = require('ws');

interactive.setWebSocket(WebSocket);

// state.current names the step under way, for failures outside a step.
const state = { current: 'start' };

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function describe(err) {
  if (!err) return String(err);
  const out = { message: err.message || String(err) };
  if (err.code !== undefined) out.code = err.code;
  if (err.path !== undefined) out.path = err.path;
  if (err.name) out.name = err.name;
  return out;
}

function fail(step, err) {
  emit({ step, ok: false, error: describe(err) });
  if (err && err.stack) process.stderr.write(`failed at ${step}: ${err.stack}\n`);
  process.exit(1);
}

function env(name) {
  const v = process.env[name];
  if (!v) fail('config', new Error(`${name} is not set`));
  return v;
}

const baseURL = env('MIXSTUDIO_URL').replace(/\/$/, '');
const overallMs = Number(process.env.MIXSTUDIO_TIMEOUT_MS || 25000);

// An exception the SDK throws from a socket handler (for example on a
// method it cannot process) would otherwise kill the process silently.
process.on('uncaughtException', (err) => fail(state.current, err));
process.on('unhandledRejection', (err) => fail(state.current, err));
setTimeout(() => fail(state.current, new Error(`overall timeout ${overallMs}ms`)), overallMs).unref();

// step(name, [ms,] fn) runs fn with a timeout (5 s unless given) and
// prints its line, fn's result merged in.
async function step(name, ms, fn) {
  if (typeof ms === 'function') [fn, ms] = [ms, 5000];
  state.current = name;
  try {
    const details = await withTimeout(fn(), ms, `step ${name}`);
    emit(Object.assign({ step: name, ok: true }, details || {}));
    return details;
  } catch (err) {
    fail(name, err);
  }
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms}ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// waitFor subscribes now and resolves with the first matching event's
// arguments; subscribe before triggering, so no event is lost.
function waitFor(emitter, event, match = () => true) {
  return new Promise((resolve) => {
    const listener = (...args) => {
      if (match(...args)) {
        emitter.removeListener(event, listener);
        resolve(args);
      }
    };
    emitter.on(event, listener);
  });
}

// until resolves once pred() holds, checking on every event of emitter.
function until(emitter, event, pred) {
  return new Promise((resolve) => {
    if (pred()) return resolve();
    const listener = () => {
      if (pred()) {
        emitter.removeListener(event, listener);
        resolve();
      }
    };
    emitter.on(event, listener);
  });
}

// getJSON GETs a path of the server under test, with a bearer if given.
function getJSON(path, bearer) {
  return new Promise((resolve, reject) => {
    const headers = bearer ? { Authorization: `Bearer ${bearer}` } : {};
    const req = http.get(baseURL + path, { headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        if (res.statusCode !== 200) {
          reject(new Error(`GET ${path}: ${res.statusCode} ${body.trim()}`));
          return;
        }
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(new Error(`GET ${path}: not JSON: ${body.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
  });
}

// positions places a control at the same spot on all three grids.
const positions = (x, y, w, h) =>
  ['large', 'medium', 'small'].map((size) => ({ size, width: w, height: h, x, y }));

module.exports = {
  interactive, state, baseURL, overallMs,
  emit, describe, fail, env, step, check, withTimeout, waitFor, until, getJSON, positions,
};

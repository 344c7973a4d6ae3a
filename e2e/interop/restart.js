#!/usr/bin/env node
// restart.js checks the official Node SDK across a server restart: the
// server closes the game client's socket with 1012 on SIGTERM, the SDK
// reconnects on its own (1012 is a close it retries, after 0.5 s, 1 s, 2 s…)
// to the restarted server, which loads the version again; a viewer's key
// still works after the restart. e2e/interop_restart_test.go restarts the
// server when this script prints {"step":"game-connected"}.
//
// Environment: as flow.js (MIXSTUDIO_URL, MIXSTUDIO_TOKEN,
// MIXSTUDIO_PARTICIPANT_TOKEN, MIXSTUDIO_VERSION_ID, MIXSTUDIO_TIMEOUT_MS).
'use strict';

const http = require('http');
const interactive = require('@mixer/interactive-node');
const WebSocket = require('ws');

interactive.setWebSocket(WebSocket);

let current = 'start';

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function fail(step, err) {
  emit({ step, ok: false, error: { message: (err && err.message) || String(err), code: err && err.code } });
  if (err && err.stack) process.stderr.write(`failed at ${step}: ${err.stack}\n`);
  process.exit(1);
}

for (const name of ['MIXSTUDIO_URL', 'MIXSTUDIO_TOKEN', 'MIXSTUDIO_PARTICIPANT_TOKEN', 'MIXSTUDIO_VERSION_ID']) {
  if (!process.env[name]) fail('config', new Error(`${name} is not set`));
}
const baseURL = process.env.MIXSTUDIO_URL.replace(/\/$/, '');
const token = process.env.MIXSTUDIO_TOKEN;
const viewerToken = process.env.MIXSTUDIO_PARTICIPANT_TOKEN;
const versionId = Number(process.env.MIXSTUDIO_VERSION_ID);
const overallMs = Number(process.env.MIXSTUDIO_TIMEOUT_MS || 25000);

process.on('uncaughtException', (err) => fail(current, err));
process.on('unhandledRejection', (err) => fail(current, err));
setTimeout(() => fail(current, new Error(`overall timeout ${overallMs}ms`)), overallMs).unref();

async function step(name, ms, fn) {
  current = name;
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`step timed out after ${ms}ms`)), ms);
  });
  try {
    const details = await Promise.race([fn(), limit]);
    emit(Object.assign({ step: name, ok: true }, details || {}));
    return details;
  } catch (err) {
    fail(name, err);
  } finally {
    clearTimeout(timer);
  }
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

function waitFor(emitter, event, match) {
  return new Promise((resolve) => {
    const listener = (...args) => {
      if (!match || match(...args)) {
        emitter.removeListener(event, listener);
        resolve(args);
      }
    };
    emitter.on(event, listener);
  });
}

function getJSON(path, bearer) {
  return new Promise((resolve, reject) => {
    const headers = bearer ? { Authorization: `Bearer ${bearer}` } : {};
    http
      .get(baseURL + path, { headers }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`GET ${path}: ${res.statusCode} ${body.trim()}`));
          resolve(JSON.parse(body));
        });
      })
      .on('error', reject);
  });
}

async function main() {
  const game = new interactive.GameClient();
  game.on('message', (d) => process.stderr.write(`game < ${d}\n`));
  game.on('send', (d) => process.stderr.write(`game > ${d}\n`));
  // While the server is down the reconnect attempts fail (ECONNREFUSED):
  // those errors are expected. An error with a protocol code is not.
  let refused = 0;
  game.on('error', (err) => {
    if (err && typeof err.code === 'number') fail(current, err);
    refused++;
    process.stderr.write(`game error while reconnecting: ${err && err.message}\n`);
  });

  const join = await step('participant-key', 5000, async () => {
    const me = await getJSON('/api/v1/users/current', token);
    const j = await getJSON(`/api/v1/interactive/${me.channel.id}`, viewerToken);
    return { socketAddress: j.socketAddress, key: j.key };
  });

  await step('game-connected', 5000, async () => {
    const hello = waitFor(game, 'hello');
    await game.open({ authToken: token, versionId, discoveryUrl: `${baseURL}/api/v1/interactive/hosts` });
    await hello;
    await game.ready(true);
  });

  // The Go test restarts the server now.
  await step('game-closed-1012', 10000, async () => {
    const [evt] = await waitFor(game, 'close');
    check(evt.code === 1012, `closed with ${evt.code} ${evt.reason}, want 1012`);
    return { code: evt.code, reason: evt.reason };
  });

  await step('game-reconnected', 15000, async () => {
    await waitFor(game, 'hello');
    return { refusedAttempts: refused };
  });

  await step('game-after-restart', 5000, async () => {
    const time = await game.getTime();
    check(typeof time === 'number', `getTime ${time}`);
    const res = await game.getScenes();
    const scene = res.scenes.find((s) => s.sceneID === 'default');
    check(scene && scene.controls.some((c) => c.controlID === 'welcome'), `scenes after restart ${JSON.stringify(res.scenes)}`);
    await game.ready(true);
  });

  await step('participant-old-key-after-restart', 5000, async () => {
    const viewer = new interactive.ParticipantClient();
    viewer.on('error', (err) => fail(current, err));
    const joined = waitFor(game.state, 'participantJoin');
    await viewer.open({ url: join.socketAddress, key: join.key });
    const [p] = await joined;
    check(p.username === 'viewer1', `joined ${JSON.stringify(p)}`);
    // Close before the game client leaves (which ends the session with 4016).
    const closed = waitFor(viewer, 'close');
    viewer.close();
    await closed;
  });

  game.close();
  process.exit(0);
}

main().catch((err) => fail(current, err));

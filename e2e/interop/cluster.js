#!/usr/bin/env node
// cluster.js is the official Node SDK's GameClient on a mixstudio cluster
// (docs/scaling.md), driven by e2e/cluster_test.go. It opens through one
// node's hosts list (MIXSTUDIO_URL), readies, and from then on reports
// what it receives as step lines on stdout:
//   {"step":"hosts","hosts":[...]}                  the discovery list it got
//   {"step":"connected","url":...,"n":N}            every socket it opens
//   {"step":"closed","code":C,"reason":...}         every socket that ends
//   {"step":"ready","url":...,"n":N}                after each hello it is ready again
//   {"step":"join"|"leave","sessionID","username"}  every participant packet
//   {"step":"input","participantID","controlID","event","value","x","y"}
//   {"step":"updated","from":F,"count":K}           a command's updates are done
// The test writes commands on stdin, one JSON object a line:
//   {"cmd":"update","from":F,"count":K}  label "status" text uF..uF+K-1, one
//                                        updateControls at a time
//   {"cmd":"viewer","url":U,"key":K}    open the SDK's ParticipantClient at
//                                        U (a node's /participant?channel=ID)
//                                        with key K; then it reports
//                                        {"step":"viewer-ready","sessionID"} and
//                                        {"step":"viewer-onReady","isReady","sessionID"}
//   {"cmd":"viewer-give","value":V}      its textbox "say" change V, awaited:
//                                        {"step":"viewer-acked","value":V}
//   {"cmd":"exit"}                       close (the session ends) and exit 0
// The SDK reconnects by itself when its node dies: it rotates through the
// hosts list (0.5 s, 1 s, 2 s ... apart). After each new hello the script
// synchronizes its state and readies again, as a game would.
//
// Environment: MIXSTUDIO_URL (the node whose hosts list to open with),
// MIXSTUDIO_TOKEN, MIXSTUDIO_VERSION_ID, MIXSTUDIO_TIMEOUT_MS.
'use strict';

const readline = require('readline');
const WebSocket = require('ws');
const { interactive, state, baseURL, emit, fail, env, step, check, getJSON } = require('./common');

const token = env('MIXSTUDIO_TOKEN');
const versionId = Number(env('MIXSTUDIO_VERSION_ID'));

// Which node the SDK dialled: the socket it makes is this subclass.
let lastURL = '';
class TracedWebSocket extends WebSocket {
  constructor(url, ...rest) {
    super(url, ...rest);
    if (String(url).includes('/gameClient')) lastURL = String(url).replace(/\?.*$/, '');
  }
}
interactive.setWebSocket(TracedWebSocket);

const game = new interactive.GameClient();
game.on('send', (d) => process.stderr.write(`game > ${d}\n`));

// Errors without a protocol code are the reconnect attempts to a dead
// node (ECONNREFUSED, a socket cut); one with a code is a refusal the SDK
// gives up on, and the test must see it.
game.on('error', (err) => {
  if (err && typeof err.code === 'number') fail(state.current, err);
  process.stderr.write(`game error (reconnecting): ${err && err.message}\n`);
});

let opened = 0;
game.on('open', () => {
  opened++;
  emit({ step: 'connected', ok: true, url: lastURL, n: opened });
});

// Raw packets: every participant event and input exactly as delivered (the
// SDK's own state drops input for a control it does not know).
game.on('message', (data) => {
  process.stderr.write(`game < ${data}\n`);
  let packets;
  try {
    packets = JSON.parse(data);
  } catch (err) {
    fail(state.current, new Error(`not JSON: ${String(data).slice(0, 200)}`));
  }
  for (const p of Array.isArray(packets) ? packets : [packets]) {
    if (p.type !== 'method') continue;
    switch (p.method) {
      case 'onParticipantJoin':
      case 'onParticipantLeave':
        for (const who of p.params.participants || []) {
          emit({ step: p.method === 'onParticipantJoin' ? 'join' : 'leave', ok: true, sessionID: who.sessionID, username: who.username, url: lastURL });
        }
        break;
      case 'giveInput': {
        const input = p.params.input || {};
        emit({ step: 'input', ok: true, participantID: p.params.participantID, controlID: input.controlID, event: input.event, value: input.value, x: input.x, y: input.y, url: lastURL });
        break;
      }
    }
  }
});

// The socket object the SDK made (reaching into it only to log closes).
function watchCloses() {
  game.socket.on('close', (evt) => emit({ step: 'closed', ok: true, code: evt.code, reason: evt.reason || '', url: lastURL }));
}

// Every hello after the first is a reconnect: the new home loaded the
// version afresh, so the game synchronizes and readies again.
let hellos = 0;
game.on('hello', () => {
  hellos++;
  const n = hellos;
  step('ready', 15000, async () => {
    if (n > 1) await game.synchronizeState();
    await game.ready(true);
    return { url: lastURL, n };
  });
});

// The SDK's participant: its onReady changes and sessions as they come.
let viewer = null;
let viewerSession = '';
async function openViewer(url, key) {
  viewer = new interactive.ParticipantClient();
  viewer.on('error', (err) => {
    if (err && typeof err.code === 'number') fail(state.current, err);
    process.stderr.write(`viewer error: ${err && err.message}\n`);
  });
  let readyNow;
  const ready = new Promise((resolve) => (readyNow = resolve));
  viewer.on('message', (data) => {
    process.stderr.write(`viewer < ${data}\n`);
    const packets = JSON.parse(data);
    for (const p of Array.isArray(packets) ? packets : [packets]) {
      if (p.type !== 'method') continue;
      if (p.method === 'onParticipantJoin') viewerSession = p.params.participants[0].sessionID;
      if (p.method === 'onReady') {
        emit({ step: 'viewer-onReady', ok: true, isReady: p.params.isReady, sessionID: viewerSession });
        if (p.params.isReady) readyNow();
      }
    }
  });
  // Without a reconnectChecker the SDK's participant cannot reconnect.
  await viewer.open({ url, key, reconnectChecker: () => Promise.resolve() });
  await ready;
  return { sessionID: viewerSession };
}

async function update(from, count) {
  for (let i = from; i < from + count; i++) {
    await game.updateControls({ sceneID: 'default', controls: [{ controlID: 'status', text: `u${i}` }] });
  }
  return { from, count };
}

async function main() {
  const hosts = await step('hosts', async () => {
    const list = await getJSON('/api/v1/interactive/hosts');
    check(Array.isArray(list) && list.length > 0, `hosts is ${JSON.stringify(list)}`);
    return { hosts: list.map((h) => h.address) };
  });
  await step('open', 15000, async () => {
    await game.open({ authToken: token, versionId, discoveryUrl: `${baseURL}/api/v1/interactive/hosts` });
    watchCloses();
  });

  const commands = readline.createInterface({ input: process.stdin });
  for await (const line of commands) {
    if (line.trim() === '') continue;
    const cmd = JSON.parse(line);
    switch (cmd.cmd) {
      case 'update':
        await step('updated', 30000, () => update(cmd.from, cmd.count));
        break;
      case 'viewer':
        await step('viewer-ready', 15000, () => openViewer(cmd.url, cmd.key));
        break;
      case 'viewer-give':
        await step('viewer-acked', 15000, async () => {
          await viewer.giveInput({ controlID: 'say', event: 'change', value: cmd.value });
          return { value: cmd.value };
        });
        break;
      case 'exit':
        await step('exit', 10000, async () => {
          // The participant leaves first (after the game client, the end
          // of the session would reach it as a 4016 'error').
          if (viewer) {
            const left = new Promise((resolve) => viewer.socket.once('close', resolve));
            viewer.close();
            await left;
          }
          // The close frame goes out before the process ends: the viewers
          // must hear that the session ended (4016), not a dropped socket.
          const closed = new Promise((resolve) => game.socket.once('close', resolve));
          game.close();
          await closed;
        });
        process.exit(0);
        break;
      default:
        fail('command', new Error(`unknown command ${line}`));
    }
  }
  fail('command', new Error('stdin closed without exit'));
}

main().catch((err) => fail(state.current, err));

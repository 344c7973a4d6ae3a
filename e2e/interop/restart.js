#!/usr/bin/env node
// restart.js checks the official Node SDK across a server restart: the
// server closes the game client's socket with 1012 on SIGTERM, the SDK
// reconnects on its own (1012 is a close it retries, after 0.5 s, 1 s, 2 s…)
// to the restarted server, which loads the version again. A participant
// connected across the restart reconnects with the same key, before its
// game client does (the game client is given a slower backoff here), and
// the server holds it until the game client is back, then joins it.
// e2e/interop_restart_test.go restarts the server when this script prints
// {"step":"game-connected"}.
//
// Environment: as flow.js (MIXSTUDIO_URL, MIXSTUDIO_TOKEN,
// MIXSTUDIO_PARTICIPANT_TOKEN, MIXSTUDIO_VERSION_ID, MIXSTUDIO_TIMEOUT_MS).
'use strict';

const { interactive, state, baseURL, fail, env, step, check, waitFor, until, getJSON } = require('./common');

const { ExponentialReconnectionPolicy } = require('@mixer/interactive-node/lib/wire/reconnection');

for (const name of ['MIXSTUDIO_URL', 'MIXSTUDIO_TOKEN', 'MIXSTUDIO_PARTICIPANT_TOKEN', 'MIXSTUDIO_VERSION_ID']) env(name);
const token = process.env.MIXSTUDIO_TOKEN;
const viewerToken = process.env.MIXSTUDIO_PARTICIPANT_TOKEN;
const versionId = Number(process.env.MIXSTUDIO_VERSION_ID);

async function main() {
  const game = new interactive.GameClient();
  game.on('message', (d) => process.stderr.write(`game < ${d}\n`));
  game.on('send', (d) => process.stderr.write(`game > ${d}\n`));
  // While the server is down the reconnect attempts fail (ECONNREFUSED):
  // those errors are expected. An error with a protocol code is not.
  let refused = 0;
  game.on('error', (err) => {
    if (err && typeof err.code === 'number') fail(state.current, err);
    refused++;
    process.stderr.write(`game error while reconnecting: ${err && err.message}\n`);
  });

  const join = await step('participant-key', 5000, async () => {
    const me = await getJSON('/api/v1/users/current', token);
    const j = await getJSON(`/api/v1/interactive/${me.channel.id}`, viewerToken);
    return { socketAddress: j.socketAddress, key: j.key };
  });

  const viewer = new interactive.ParticipantClient();
  viewer.on('message', (d) => process.stderr.write(`viewer < ${d}\n`));
  viewer.on('error', (err) => {
    if (err && typeof err.code === 'number') fail(state.current, err);
    process.stderr.write(`viewer error while reconnecting: ${err && err.message}\n`);
  });

  await step('game-connected', 5000, async () => {
    const hello = waitFor(game, 'hello');
    await game.open({ authToken: token, versionId, discoveryUrl: `${baseURL}/api/v1/interactive/hosts` });
    await hello;
    await game.ready(true);
    // The game client comes back after 2 s, 4 s ...; the participant after
    // 0.5 s, 1 s ...: the participant is first.
    game.setOptions({ reconnectionPolicy: new ExponentialReconnectionPolicy(20000, 2000) });
    const joined = waitFor(game.state, 'participantJoin');
    const viewerHello = waitFor(viewer, 'hello');
    // The SDK's ParticipantClient needs a reconnectChecker to reconnect at
    // all (without one it throws a TypeError on its first reconnect).
    await viewer.open({ url: join.socketAddress, key: join.key, reconnectChecker: () => Promise.resolve() });
    await Promise.all([joined, viewerHello]);
  });

  // The Go test restarts the server now.
  const opened = {};
  viewer.on('open', () => (opened.participant = opened.participant || Date.now()));
  game.on('open', () => (opened.game = opened.game || Date.now()));
  const viewerBack = waitFor(viewer, 'hello');
  const viewerClosed = waitFor(viewer, 'close');
  await step('game-closed-1012', 10000, async () => {
    const [[evt], [vevt]] = await Promise.all([waitFor(game, 'close'), viewerClosed]);
    check(evt.code === 1012, `game closed with ${evt.code} ${evt.reason}, want 1012`);
    check(vevt.code === 1012, `participant closed with ${vevt.code} ${vevt.reason}, want 1012`);
    return { code: evt.code, reason: evt.reason };
  });

  const rejoined = waitFor(game.state, 'participantJoin');
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

  await step('participant-back-with-old-key', 10000, async () => {
    await viewerBack;
    const [p] = await rejoined;
    check(p.username === 'viewer1', `joined ${JSON.stringify(p)}`);
    // Close before the game client leaves (which ends the session with 4016).
    const closed = waitFor(viewer, 'close');
    viewer.close();
    await closed;
    // Normally the participant's socket was open (and held) before the game
    // client came back; under heavy load the order can flip.
    return { participantOpenedBeforeGameMs: opened.game - opened.participant };
  });

  game.close();
  process.exit(0);
}

main().catch((err) => fail(state.current, err));

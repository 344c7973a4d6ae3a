#!/usr/bin/env node
// rejects.js checks how the official Node SDK sees the mediator refusing a
// game client: the spec closes the socket after the upgrade with 4019 (bad
// token), 4020 (unknown version) or 4021 (the channel already has a
// session); the SDK turns these closes into an 'error' event carrying the
// code and does not reconnect. One JSON line per case on stdout, frames on
// stderr; exit 1 at the first case that does not behave.
//
// Environment: MIXSTUDIO_URL, MIXSTUDIO_TOKEN, MIXSTUDIO_VERSION_ID (as for
// flow.js), MIXSTUDIO_GUEST_TOKEN (another user's token) and
// MIXSTUDIO_SHARECODE (the version's share code), MIXSTUDIO_TIMEOUT_MS
// (default 25000).
'use strict';

const { interactive, state, baseURL, emit, fail, env, step, withTimeout, getJSON } = require('./common');

for (const name of ['MIXSTUDIO_URL', 'MIXSTUDIO_TOKEN', 'MIXSTUDIO_VERSION_ID']) env(name);
const token = process.env.MIXSTUDIO_TOKEN;
const versionId = Number(process.env.MIXSTUDIO_VERSION_ID);

function newGame(label) {
  const game = new interactive.GameClient();
  game.on('message', (d) => process.stderr.write(`${label} < ${d}\n`));
  game.on('send', (d) => process.stderr.write(`${label} > ${d}\n`));
  game.on('close', (e) => process.stderr.write(`${label} closed ${e && e.code} ${e && e.reason}\n`));
  return game;
}

// refused opens a game client and resolves with the error the SDK emits.
function refused(label, options) {
  const game = newGame(label);
  const errored = new Promise((resolve) => game.on('error', resolve));
  game
    .open(Object.assign({ discoveryUrl: `${baseURL}/api/v1/interactive/hosts` }, options))
    .catch(() => {}); // the 'error' event is what we read
  return withTimeout(errored, 5000, `${label}: the server kept the connection open (no refusal)`).then((err) => {
    game.close();
    return err;
  });
}

async function expectClose(step, options, code) {
  state.current = step;
  const err = await refused(step, options);
  if (!err || err.code !== code) {
    throw Object.assign(new Error(`want close code ${code}, SDK saw ${err && err.code}: ${err && err.message}`), {
      code: err && err.code,
    });
  }
  emit({ step, ok: true, code: err.code, message: err.message, type: err.constructor && err.constructor.name });
}

async function main() {
  await expectClose('bad-token', { authToken: 'not-a-token', versionId }, 4019);
  await expectClose('unknown-version', { authToken: token, versionId: 2147483000 }, 4020);

  // A participant key (what /api/v1/interactive/{channel} hands a viewer's
  // page) is not a game client's token, even for the streamer's own
  // channel and version.
  state.current = 'participant-key-as-game-token';
  const me = await getJSON('/api/v1/users/current', token);
  const join = await getJSON(`/api/v1/interactive/${me.channel.id}`, token);
  await expectClose('participant-key-as-game-token', { authToken: join.key, versionId }, 4019);

  state.current = 'second-game-client';
  const first = newGame('first');
  first.on('error', (err) => fail(state.current, err));
  await withTimeout(
    first.open({ authToken: token, versionId, discoveryUrl: `${baseURL}/api/v1/interactive/hosts` }),
    5000,
    'first client open'
  );
  await withTimeout(first.getTime(), 5000, 'first client getTime');
  await expectClose('second-game-client', { authToken: token, versionId }, 4021);

  state.current = 'first-client-unaffected';
  const time = await withTimeout(first.getTime(), 5000, 'first client getTime after the refusal');
  emit({ step: state.current, ok: true, time });

  // Another user's game runs the version on its own channel with the
  // project's share code (the SDK's sharecode option sends
  // X-Interactive-Sharecode), beside the owner's session; without the
  // code it is refused with 4020.
  const guestToken = env('MIXSTUDIO_GUEST_TOKEN');
  const sharecode = env('MIXSTUDIO_SHARECODE');
  await expectClose('guest-without-sharecode', { authToken: guestToken, versionId }, 4020);
  await expectClose('guest-with-wrong-sharecode', { authToken: guestToken, versionId, sharecode: 'not-the-code' }, 4020);
  await step('guest-with-sharecode', async () => {
    const guest = newGame('guest');
    guest.on('error', (err) => fail(state.current, err));
    await guest.open({ authToken: guestToken, versionId, sharecode, discoveryUrl: `${baseURL}/api/v1/interactive/hosts` });
    await guest.synchronizeState();
    const scenes = Array.from(guest.state.getScenes().keys());
    if (!guest.state.getScene('default')) throw new Error(`the guest's session has scenes ${scenes}`);
    const owner = (await getJSON('/api/v1/users/current', token)).channel.id;
    const own = (await getJSON('/api/v1/users/current', guestToken)).channel.id;
    if (own === owner) throw new Error('the guest has the owner\'s channel');
    guest.close();
    return { scenes, channel: own };
  });
  first.close();
  process.exit(0);
}

main().catch((err) => fail(state.current, err));

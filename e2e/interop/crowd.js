#!/usr/bin/env node
// crowd.js connects one SDK game client and many anonymous SDK
// participants at once (MIXSTUDIO_CROWD, default 40). Every participant
// joins, presses a free button and moves a joystick; the game client must
// see every join and every input, attributed to the right session, with
// nothing lost or duplicated; then getAllParticipants must page through all
// of them, and every participant must see a control update. One JSON line
// per step on stdout; exit 1 at the first failure.
//
// Environment: MIXSTUDIO_URL, MIXSTUDIO_TOKEN, MIXSTUDIO_VERSION_ID,
// MIXSTUDIO_CROWD, MIXSTUDIO_TIMEOUT_MS (default 25000).
'use strict';

const { interactive, state, baseURL, fail, env, step, check, until, getJSON, positions } = require('./common');

for (const name of ['MIXSTUDIO_URL', 'MIXSTUDIO_TOKEN', 'MIXSTUDIO_VERSION_ID']) env(name);
const token = process.env.MIXSTUDIO_TOKEN;
const versionId = Number(process.env.MIXSTUDIO_VERSION_ID);
const crowd = Number(process.env.MIXSTUDIO_CROWD || 40);

async function main() {
  const game = new interactive.GameClient();
  game.on('error', (err) => fail(state.current, err));

  await step('game-ready', 10000, async () => {
    await game.open({ authToken: token, versionId, discoveryUrl: `${baseURL}/api/v1/interactive/hosts` });
    await game.synchronizeState();
    await game.createControls({
      sceneID: 'default',
      controls: [
        { controlID: 'hit', kind: 'button', text: 'Hit', position: positions(0, 5, 10, 5) },
        { controlID: 'aim', kind: 'joystick', position: positions(12, 5, 8, 8) },
      ],
    });
    await game.ready(true);
  });

  const joins = new Set();
  game.state.on('participantJoin', (p) => joins.add(p.sessionID));
  const presses = new Map(); // sessionID -> count
  const moves = new Map(); // sessionID -> {x, y}
  const onPress = (input) => presses.set(input.participantID, (presses.get(input.participantID) || 0) + 1);
  const onMove = (input) => moves.set(input.participantID, { x: input.input.x, y: input.input.y });

  const { channel } = await getJSON('/api/v1/users/current', token);
  const viewers = [];
  await step('crowd-join', 10000, async () => {
    await Promise.all(
      Array.from({ length: crowd }, async (_, i) => {
        const join = await getJSON(`/api/v1/interactive/${channel.id}`);
        const viewer = new interactive.ParticipantClient();
        viewer.on('error', (err) => fail(state.current, new Error(`viewer ${i}: ${err.message} (${err.code})`)));
        const self = new Promise((resolve) => viewer.state.once('selfUpdate', resolve));
        await viewer.open({ url: join.socketAddress, key: join.key });
        const me = await self;
        viewers.push({ i, client: viewer, sessionID: me.sessionID });
      })
    );
    await until(game.state, 'participantJoin', () => joins.size === crowd);
    check(new Set(viewers.map((v) => v.sessionID)).size === crowd, 'participants share a sessionID');
    for (const v of viewers) check(joins.has(v.sessionID), `game never saw viewer ${v.i} join`);
    return { participants: joins.size };
  });

  await step('crowd-input', 10000, async () => {
    game.state.getControl('hit').on('mousedown', onPress);
    game.state.getControl('aim').on('move', onMove);
    await Promise.all(
      viewers.map(async (v) => {
        await v.client.synchronizeScenes();
        await v.client.state.getControl('hit').giveInput({ event: 'mousedown', button: 0 });
        // Each viewer its own point, so a mix-up of sessions shows.
        await v.client.state.getControl('aim').giveInput({ event: 'move', x: v.i / (crowd * 2), y: -v.i / (crowd * 2) });
      })
    );
    await until(game, 'message', () => presses.size === crowd && moves.size === crowd);
    for (const v of viewers) {
      check(presses.get(v.sessionID) === 1, `viewer ${v.i}: ${presses.get(v.sessionID)} presses, want 1`);
      const m = moves.get(v.sessionID);
      check(m.x === v.i / (crowd * 2) && m.y === -v.i / (crowd * 2), `viewer ${v.i}: move ${JSON.stringify(m)}`);
    }
    return { presses: presses.size, moves: moves.size };
  });

  await step('crowd-getAllParticipants', 10000, async () => {
    const seen = new Set();
    let from = 0;
    for (let page = 0; page < crowd + 1; page++) {
      const res = await game.execute('getAllParticipants', { from }, false);
      res.participants.forEach((p) => seen.add(p.sessionID));
      if (!res.hasMore) break;
      from = Math.max(...res.participants.map((p) => p.connectedAt));
    }
    check(seen.size === crowd, `paged through ${seen.size} participants, want ${crowd}`);
    return { total: seen.size };
  });

  await step('crowd-sees-update', 10000, async () => {
    const seen = viewers.map(
      (v) => new Promise((resolve) => v.client.state.getControl('hit').once('updated', (c) => resolve(c.text)))
    );
    await game.updateControls({ sceneID: 'default', controls: [{ controlID: 'hit', text: 'Hit again' }] });
    const texts = await Promise.all(seen);
    check(texts.every((t) => t === 'Hit again'), `texts ${JSON.stringify(texts)}`);
    return { viewers: texts.length };
  });

  await step('crowd-leave', 10000, async () => {
    let left = 0;
    game.state.on('participantLeave', () => left++);
    viewers.forEach((v) => v.client.close());
    await until(game, 'message', () => left === crowd);
    check(game.state.getParticipants().size === 0, `${game.state.getParticipants().size} participants remain`);
    return { left };
  });

  game.close();
  process.exit(0);
}

main().catch((err) => fail(state.current, err));

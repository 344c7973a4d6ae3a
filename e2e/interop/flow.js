#!/usr/bin/env node
// flow.js drives Mixer's official Node SDK (@mixer/interactive-node 3.0.1)
// against a mixstudio server: a GameClient found through the hosts list and
// a ParticipantClient found through /api/v1/interactive/{channel}. It prints
// one JSON line per step ({"step", "ok", ...}) on stdout, the raw frames on
// stderr, and exits non-zero at the first failing step or after the overall
// timeout. e2e/interop_test.go runs it and asserts on the lines.
//
// Environment:
//   MIXSTUDIO_URL                 http://127.0.0.1:PORT
//   MIXSTUDIO_TOKEN               game client's bearer token (mixstudio token)
//   MIXSTUDIO_PARTICIPANT_TOKEN   the viewer's token (mixstudio token --user viewer1)
//   MIXSTUDIO_POOR_TOKEN          a viewer without sparks (mixstudio token --user viewer2)
//   MIXSTUDIO_VERSION_ID          the imported version (mixstudio import)
//   MIXSTUDIO_TIMEOUT_MS          overall limit, default 25000
'use strict';

const { interactive, state, baseURL, fail, env, step, check, waitFor, getJSON, positions } = require('./common');

// The control classes the SDK builds from a control's kind (not re-exported
// by the package's index).
const { Button, Joystick, Control } = require('@mixer/interactive-node/lib/state/controls');

const gameToken = env('MIXSTUDIO_TOKEN');
const viewerToken = env('MIXSTUDIO_PARTICIPANT_TOKEN');
const versionId = Number(env('MIXSTUDIO_VERSION_ID'));

function trace(client, who) {
  client.on('message', (data) => process.stderr.write(`${who} < ${data}\n`));
  client.on('send', (data) => process.stderr.write(`${who} > ${data}\n`));
  client.on('close', (evt) => process.stderr.write(`${who} closed ${evt && evt.code} ${evt && evt.reason}\n`));
  // An 'error' event without a listener throws; fail the step instead.
  client.on('error', (err) => fail(state.current, err));
}

// expectError resolves when promise rejects with the protocol error code.
async function expectError(promise, code) {
  let err;
  try {
    const res = await promise;
    throw new Error(`want error ${code}, got a result ${JSON.stringify(res)}`);
  } catch (e) {
    err = e;
  }
  if (err.code !== code) throw err;
  check(err instanceof interactive.InteractiveError.Base, `error ${code} is not an InteractiveError`);
  return { code: err.code, message: err.message, type: err.constructor.name };
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main() {
  const game = new interactive.GameClient();
  trace(game, 'game');
  const gameHello = waitFor(game, 'hello');
  const gameReady = waitFor(game.state, 'ready', (isReady) => isReady === true);

  await step('hosts', async () => {
    const hosts = await getJSON('/api/v1/interactive/hosts');
    check(Array.isArray(hosts) && hosts.length > 0, `hosts is ${JSON.stringify(hosts)}`);
    check(/^wss?:\/\/.+\/gameClient$/.test(hosts[0].address), `address ${hosts[0].address}`);
    return { address: hosts[0].address };
  });

  await step('game-open', async () => {
    await game.open({
      authToken: gameToken,
      versionId,
      discoveryUrl: `${baseURL}/api/v1/interactive/hosts`,
    });
  });

  await step('game-hello', async () => {
    await gameHello;
  });

  await step('game-getTime', async () => {
    const before = Date.now();
    const time = await game.getTime();
    check(typeof time === 'number', `time is ${JSON.stringify(time)}`);
    check(Math.abs(time - before) < 60000, `server time ${time} is far from ${before}`);
    return { time };
  });

  await step('game-setCompression', async () => {
    // The SDK sends {"params": ["gzip"]} (no "scheme") and never compresses.
    await game.setCompression(['gzip']);
    const scheme = game.getOptions().compressionScheme;
    check(scheme === 'none', `server chose ${JSON.stringify(scheme)}, the SDK can only speak none`);
    return { scheme };
  });

  await step('game-synchronizeState', async () => {
    await game.synchronizeState();
    const scene = game.state.getScene('default');
    check(scene, 'no default scene');
    check(game.state.getGroup('default'), 'no default group');
    const welcome = scene.getControl('welcome');
    check(welcome && welcome.kind === 'label', 'imported label "welcome" missing from the default scene');
    return { scenes: Array.from(game.state.getScenes().keys()), groups: Array.from(game.state.getGroups().keys()) };
  });

  await step('game-createScene', async () => {
    const scene = await game.createScene({ sceneID: 'bonus', controls: [] });
    check(scene && scene.sceneID === 'bonus', `reply ${JSON.stringify(scene)}`);
    return { sceneID: scene.sceneID };
  });

  await step('game-createControls', async () => {
    const controls = await game.createControls({
      sceneID: 'default',
      controls: [
        { controlID: 'fire', kind: 'button', text: 'Fire', cost: 5, position: positions(0, 5, 10, 5) },
        { controlID: 'stick', kind: 'joystick', position: positions(12, 5, 8, 8) },
      ],
    });
    check(Array.isArray(controls) && controls.length === 2, `created ${JSON.stringify(controls && controls.length)}`);
    const fire = game.state.getControl('fire');
    const stick = game.state.getControl('stick');
    check(fire instanceof Button, 'fire is not a Button in the SDK state');
    check(stick instanceof Joystick, 'stick is not a Joystick in the SDK state');
    check(fire.cost === 5, `fire.cost = ${fire.cost}`);
    return { controls: controls.map((c) => c.controlID) };
  });

  await step('game-ready', async () => {
    await game.ready(true);
    await gameReady; // the server's onReady, which the SDK turns into state 'ready'
    check(game.state.isReady === true, 'state.isReady is not true');
  });

  // The viewer finds the channel the way Mixer's web page did.
  const channel = await step('participant-discover', async () => {
    const me = await getJSON('/api/v1/users/current', gameToken);
    check(me.channel && me.channel.id !== undefined, `users/current: ${JSON.stringify(me)}`);
    const join = await getJSON(`/api/v1/interactive/${me.channel.id}`, viewerToken);
    check(/^wss?:\/\/.+\/participant\?/.test(join.socketAddress), `socketAddress ${join.socketAddress}`);
    check(typeof join.key === 'string' && join.key !== '', `key ${JSON.stringify(join.key)}`);
    return { channelID: me.channel.id, socketAddress: join.socketAddress, key: join.key };
  });

  const viewer = new interactive.ParticipantClient();
  trace(viewer, 'viewer');
  const viewerHello = waitFor(viewer, 'hello');
  const viewerSelf = waitFor(viewer.state, 'selfUpdate');
  const joined = waitFor(game.state, 'participantJoin');

  await step('participant-open', async () => {
    await viewer.open({ url: channel.socketAddress, key: channel.key });
    await viewerHello;
  });

  await step('game-participantJoin', async () => {
    const [p] = await joined;
    check(p.username === 'viewer1', `username ${JSON.stringify(p.username)}`);
    check(uuid.test(p.sessionID), `sessionID ${JSON.stringify(p.sessionID)} is not a UUID`);
    for (const k of ['userID', 'level', 'lastInputAt', 'connectedAt', 'disabled', 'groupID', 'anonymous']) {
      check(k in p, `participant lacks ${k}: ${JSON.stringify(p)}`);
    }
    check(p.anonymous === false, `anonymous is ${JSON.stringify(p.anonymous)}`);
    return { sessionID: p.sessionID, groupID: p.groupID };
  });

  await step('participant-self', async () => {
    const [self] = await viewerSelf;
    check(self && self.username === 'viewer1', `selfUpdate ${JSON.stringify(self)}`);
  });

  await step('participant-synchronizeScenes', async () => {
    await viewer.synchronizeScenes();
    const fire = viewer.state.getControl('fire');
    const stick = viewer.state.getControl('stick');
    check(fire instanceof Button, 'participant sees no button "fire"');
    check(stick instanceof Joystick, 'participant sees no joystick "stick"');
    check(fire.text === 'Fire' && fire.cost === 5, `fire is ${JSON.stringify({ text: fire.text, cost: fire.cost })}`);
    return { controls: viewer.state.getScene('default').getControls().map((c) => c.controlID) };
  });

  let transactionID;
  await step('button-press', async () => {
    const got = waitFor(game.state.getControl('fire'), 'mousedown');
    await viewer.state.getControl('fire').giveInput({ event: 'mousedown', button: 0 });
    const [input, participant] = await got;
    check(input.input.controlID === 'fire', `input ${JSON.stringify(input)}`);
    check(input.input.event === 'mousedown', `event ${input.input.event}`);
    check(participant && participant.username === 'viewer1', `participant ${JSON.stringify(participant)}`);
    check(input.participantID === participant.sessionID, 'participantID is not the session');
    check(typeof input.transactionID === 'string' && input.transactionID !== '',
      `a button with a cost gives no transactionID: ${JSON.stringify(input)}`);
    transactionID = input.transactionID;
    return { transactionID, participantID: input.participantID, button: input.input.button };
  });

  await step('capture', async () => {
    const res = await game.captureTransaction(transactionID);
    return { result: res === undefined ? null : res };
  });

  await step('joystick-move', async () => {
    const got = waitFor(game.state.getControl('stick'), 'move');
    await viewer.state.getControl('stick').giveInput({ event: 'move', x: 0.5, y: -0.25 });
    const [input] = await got;
    check(input.input.controlID === 'stick', `input ${JSON.stringify(input)}`);
    check(input.input.x === 0.5 && input.input.y === -0.25, `x,y = ${input.input.x},${input.input.y}`);
    return { x: input.input.x, y: input.input.y };
  });

  await step('update-control', async () => {
    const seen = waitFor(viewer.state.getControl('fire'), 'updated', (c) => c.text === 'Fired!');
    await game.state.getControl('fire').setText('Fired!');
    const [control] = await seen;
    check(control.cost === 5, `update lost the cost: ${control.cost}`);
    return { text: control.text };
  });

  await step('game-createMore', async () => {
    const controls = await game.createControls({
      sceneID: 'default',
      controls: [
        { controlID: 'calm', kind: 'button', text: 'Calm', keyCode: 67, position: positions(22, 5, 8, 5) },
        { controlID: 'note', kind: 'textbox', placeholder: 'say', hasSubmit: true, position: positions(32, 5, 12, 4) },
      ],
    });
    check(controls.length === 2, `created ${controls.length}`);
    const seen = () => viewer.state.getControl('calm') && viewer.state.getControl('note');
    if (!seen()) await waitFor(viewer.state.getScene('default'), 'controlAdded', () => seen());
    check(seen(), 'participant does not see the new controls');
  });

  await step('button-keydown-keyup', async () => {
    const down = waitFor(game.state.getControl('calm'), 'keydown');
    const up = waitFor(game.state.getControl('calm'), 'keyup');
    await viewer.state.getControl('calm').giveInput({ event: 'keydown' });
    await viewer.state.getControl('calm').giveInput({ event: 'keyup' });
    const [[d], [u]] = await Promise.all([down, up]);
    check(d.input.controlID === 'calm' && u.input.event === 'keyup', `inputs ${JSON.stringify([d, u])}`);
    check(!d.transactionID, 'a free button made a transaction');
  });

  await step('textbox-change-submit', async () => {
    const changed = waitFor(game.state.getControl('note'), 'change');
    const submitted = waitFor(game.state.getControl('note'), 'submit');
    await viewer.state.getControl('note').giveInput({ event: 'change', value: 'hel' });
    await viewer.state.getControl('note').giveInput({ event: 'submit', value: 'hello' });
    const [[c], [s]] = await Promise.all([changed, submitted]);
    check(c.input.value === 'hel' && s.input.value === 'hello', `values ${c.input.value}, ${s.input.value}`);
    return { value: s.input.value };
  });

  // A paid textbox charges its submit as a button its press (issue 13).
  await step('textbox-paid-submit', async () => {
    const priced = waitFor(viewer.state.getControl('note'), 'updated', (c) => c.cost === 3);
    await game.updateControls({ sceneID: 'default', controls: [{ controlID: 'note', cost: 3 }] });
    await priced;
    const submitted = waitFor(game.state.getControl('note'), 'submit');
    await viewer.state.getControl('note').giveInput({ event: 'submit', value: 'paid' });
    const [s] = await submitted;
    check(typeof s.transactionID === 'string' && s.transactionID !== '', `a paid submit gave no transactionID: ${JSON.stringify(s)}`);
    await game.captureTransaction(s.transactionID);
    await game.updateControls({ sceneID: 'default', controls: [{ controlID: 'note', cost: 0 }] });
    return { transactionID: s.transactionID };
  });

  // Mixer's screen control: 3.0.1's StateFactory has no case for "screen"
  // (its Screen class is never built), so the SDK keeps a plain Control;
  // the participant's IScreenInput (move/mousedown/mouseup with x, y)
  // still reaches the game's control as that event (sent with the
  // Control's sendInput, which is what Screen.giveInput does).
  await step('screen-input', async () => {
    await game.createControls({
      sceneID: 'default',
      controls: [{ controlID: 'aim', kind: 'screen', sendMoveEvents: 'always', moveThrottle: 20, position: positions(46, 5, 20, 10) }],
    });
    check(game.state.getControl('aim') instanceof Control, 'aim is not in the SDK state');
    if (!viewer.state.getControl('aim')) await waitFor(viewer.state.getScene('default'), 'controlAdded', (c) => c.controlID === 'aim');
    const aim = viewer.state.getControl('aim');
    check(aim instanceof Control && aim.kind === 'screen', 'the participant does not see the screen "aim"');
    const down = waitFor(game.state.getControl('aim'), 'mousedown');
    await aim.sendInput({ event: 'mousedown', x: 0.25, y: 0.5 });
    const [d] = await down;
    check(d.input.x === 0.25 && d.input.y === 0.5, `mousedown at ${d.input.x},${d.input.y}`);
    const moved = waitFor(game.state.getControl('aim'), 'move');
    await aim.sendInput({ event: 'move', x: 1, y: 0 });
    const [m] = await moved;
    check(m.input.x === 1 && m.input.y === 0, `move to ${m.input.x},${m.input.y}`);
    const outside = await expectError(aim.sendInput({ event: 'mouseup', x: 1.5, y: 0 }), 4099);
    return { down: [d.input.x, d.input.y], move: [m.input.x, m.input.y], outside: outside.code };
  });

  // Button.setCooldown turns a duration into a server timestamp through
  // the SDK's clock sync (getTime); a press during it is refused.
  await step('button-cooldown', async () => {
    const cooling = waitFor(viewer.state.getControl('calm'), 'updated', (c) => typeof c.cooldown === 'number');
    await game.state.getControl('calm').setCooldown(1500);
    const [c] = await cooling;
    const left = c.cooldown - Date.now();
    check(left > 500 && left <= 2500, `cooldown ends in ${left} ms, want about 1500`);
    const refused = await expectError(viewer.state.getControl('calm').giveInput({ event: 'mousedown', button: 0 }), 4099);
    await new Promise((r) => setTimeout(r, c.cooldown - Date.now() + 200));
    const pressed = waitFor(game.state.getControl('calm'), 'mousedown');
    await viewer.state.getControl('calm').giveInput({ event: 'mousedown', button: 0 });
    await pressed;
    return { refused: refused.code, cooldownMs: left };
  });

  // Refusals reach the SDK as typed errors with the table's codes.
  await step('error-capture-twice', async () => expectError(game.captureTransaction(transactionID), 4006));
  await step('error-unknown-scene', async () =>
    expectError(
      game.createControls({
        sceneID: 'no-such-scene',
        controls: [{ controlID: 'x', kind: 'button', text: 'x', position: positions(0, 20, 4, 4) }],
      }),
      4010
    )
  );
  await step('error-duplicate-control', async () =>
    expectError(
      game.execute('createControls', {
        sceneID: 'default',
        controls: [{ controlID: 'fire', kind: 'button', text: 'again', position: positions(0, 20, 4, 4) }],
      }, false),
      4013
    )
  );
  await step('error-delete-default-scene', async () =>
    expectError(game.deleteScene({ sceneID: 'default', reassignSceneID: 'bonus' }), 4018)
  );
  // What Mixer's server answered (the spec lets a server pass).
  await step('error-delete-unknown-group', async () => expectError(game.deleteGroup({ groupID: 'ghost' }), 4008));
  await step('error-delete-unknown-scene', async () =>
    expectError(game.deleteScene({ sceneID: 'ghost', reassignSceneID: 'default' }), 4010)
  );

  await step('delete-control', async () => {
    const gone = waitFor(viewer.state.getScene('default'), 'controlDeleted', (id) => id === 'stick');
    await game.state.getScene('default').deleteControl('stick');
    await gone;
    check(!viewer.state.getControl('stick'), 'participant still has the deleted joystick');
  });

  await step('game-getAllParticipants', async () => {
    const res = await game.execute('getAllParticipants', { from: 0 }, false);
    check(res && Array.isArray(res.participants), `reply ${JSON.stringify(res)}`);
    check(res.participants.length === 1 && res.participants[0].username === 'viewer1', `participants ${JSON.stringify(res.participants)}`);
    check(res.total === 1 && res.hasMore === false, `total ${res.total} hasMore ${res.hasMore}`);
    return { total: res.total };
  });

  await step('game-getParticipantsByMixerId', async () => {
    const [p] = Array.from(game.state.getParticipants().values());
    const res = await game.getParticipantsByMixerId({ userIDs: [p.userID, 987654321] });
    check(res && res.users, `reply ${JSON.stringify(res)}`);
    const found = res.users[String(p.userID)];
    check(found && found.sessionID === p.sessionID, `users[${p.userID}] = ${JSON.stringify(found)}`);
    check(res.users['987654321'] === null, `an unknown user maps to ${JSON.stringify(res.users['987654321'])}, want null`);
  });

  // The SDK has no handler for the "event" method a broadcast arrives as,
  // so it must come with discard: true (see the F1 rule) or it would crash.
  await step('broadcastEvent', async () => {
    const got = waitFor(viewer, 'message', (raw) => JSON.parse(raw).method === 'event');
    await game.broadcastEvent({ scope: ['everyone'], data: { hello: 'world' } });
    const [raw] = await got;
    const m = JSON.parse(raw);
    check(m.params && m.params.hello === 'world', `event params ${JSON.stringify(m.params)}`);
    check(m.discard === true, `event sent without discard: true: ${raw}`);
    return expectError(game.broadcastEvent({ scope: ['nowhere:1'], data: {} }), 4024);
  });

  await step('game-createGroups', async () => {
    const res = await game.createGroups({ groups: [{ groupID: 'vip', sceneID: 'bonus' }] });
    check(res && Array.isArray(res.groups) && res.groups[0].groupID === 'vip', `reply ${JSON.stringify(res)}`);
  });

  // getScenes lists each scene's groups (the spec's reply); the SDK's own
  // synchronizeScenes still builds its state from that reply.
  await step('game-getScenes-groups', async () => {
    const res = await game.execute('getScenes', {}, false);
    const by = {};
    for (const sc of res.scenes) {
      check(Array.isArray(sc.groups), `scene ${sc.sceneID} without groups: ${JSON.stringify(sc)}`);
      by[sc.sceneID] = sc.groups.map((g) => g.groupID).join(',');
    }
    check(by.bonus === 'vip' && by.default === 'default', `groups by scene ${JSON.stringify(by)}`);
    await game.synchronizeScenes();
    check(game.state.getScene('bonus') && game.state.getControl('fire'), 'synchronizeScenes lost scenes or controls');
    return { groups: by };
  });

  await step('game-updateParticipants', async () => {
    const moved = waitFor(viewer.state, 'selfUpdate', (p) => p && p.groupID === 'vip');
    const [p] = Array.from(game.state.getParticipants().values());
    const res = await game.updateParticipants({ participants: [{ sessionID: p.sessionID, groupID: 'vip' }] });
    check(res && Array.isArray(res.participants), `reply ${JSON.stringify(res)}`);
    await moved; // the participant hears of its own move
    // ...and, first, of its new group's scene.
    check(viewer.state.getScene('bonus'), 'the moved participant was never sent its new scene "bonus"');
    check(viewer.state.getGroup('vip'), 'the moved participant was never sent its new group "vip"');
  });

  // Spending needs a signed-in viewer with sparks.
  const extra = [];
  await step('anonymous-paid-press', async () => {
    const join = await getJSON(`/api/v1/interactive/${channel.channelID}`);
    const anon = new interactive.ParticipantClient();
    extra.push(anon);
    trace(anon, 'anon');
    const joined = waitFor(game.state, 'participantJoin', (p) => p.anonymous === true);
    await anon.open({ url: join.socketAddress, key: join.key });
    await joined;
    await anon.synchronizeScenes();
    const fire = anon.state.getControl('fire');
    check(fire, 'anonymous participant does not see "fire"');
    return expectError(fire.giveInput({ event: 'mousedown', button: 0 }), 4026);
  });

  await step('not-enough-sparks', async () => {
    const join = await getJSON(`/api/v1/interactive/${channel.channelID}`, env('MIXSTUDIO_POOR_TOKEN'));
    const poor = new interactive.ParticipantClient();
    extra.push(poor);
    trace(poor, 'poor');
    const joined = waitFor(game.state, 'participantJoin', (p) => p.username === 'viewer2');
    await poor.open({ url: join.socketAddress, key: join.key });
    await joined;
    await poor.synchronizeScenes();
    // A viewer without sparks may be refused at the press or at capture;
    // either way the SDK must see 4007.
    const pressed = waitFor(game.state.getControl('fire'), 'mousedown', (input, p) => p && p.username === 'viewer2');
    try {
      await poor.state.getControl('fire').giveInput({ event: 'mousedown', button: 0 });
    } catch (err) {
      check(err.code === 4007, `press refused with ${err.code} ${err.message}, want 4007`);
      return { refusedAt: 'giveInput', code: err.code };
    }
    const [input] = await pressed;
    check(typeof input.transactionID === 'string', `no transactionID: ${JSON.stringify(input)}`);
    const res = await expectError(game.captureTransaction(input.transactionID), 4007);
    return Object.assign({ refusedAt: 'capture' }, res);
  });

  // Participants first: once the game client leaves, the server ends the
  // session and closes the remaining participants with 4016, which the SDK
  // reports as an error even on a socket it is closing itself.
  await step('close', async () => {
    const viewers = [viewer, ...extra];
    const closed = viewers.map((c) => waitFor(c, 'close'));
    viewers.forEach((c) => c.close());
    const codes = (await Promise.all(closed)).map(([evt]) => evt.code);
    check(codes.every((c) => c === 1000), `participants closed with ${codes}`);
    const left = waitFor(game, 'close');
    game.close();
    const [evt] = await left;
    return { game: evt.code, participants: codes };
  });
  process.exit(0);
}

main().catch((err) => fail(state.current, err));

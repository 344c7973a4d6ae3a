// browser-flow.js runs in chromium after the SDK's browser bundle
// (dist/interactive.js, which defines window.interactive). The browser
// build uses the page's own WebSocket, which cannot set headers, so the SDK
// puts every header — Authorization included — into the query string;
// this flow checks the mediator accepts that. e2e/interop_browser_test.go
// evaluates this file and then awaits mixstudioBrowserFlow(tokens), which
// resolves with one {step, ok, ...} object per step and stops at the first
// failure.
'use strict';

async function mixstudioBrowserFlow(opts) {
  const steps = [];
  const stepMs = 5000;
  const origin = window.location.origin;

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

  async function step(name, fn) {
    let timer;
    const limit = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`step timed out after ${stepMs}ms`)), stepMs);
    });
    try {
      const details = await Promise.race([fn(), limit]);
      steps.push(Object.assign({ step: name, ok: true }, details || {}));
      return details;
    } catch (err) {
      steps.push({ step: name, ok: false, error: { message: (err && err.message) || String(err), code: err && err.code } });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async function getJSON(path, token) {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const res = await fetch(origin + path, { headers });
    const body = await res.text();
    check(res.ok, `GET ${path}: ${res.status} ${body}`);
    return JSON.parse(body);
  }

  const positions = (x, y, w, h) =>
    ['large', 'medium', 'small'].map((size) => ({ size, width: w, height: h, x, y }));

  const game = new interactive.GameClient();
  const viewer = new interactive.ParticipantClient();
  const errors = [];
  game.on('error', (err) => errors.push(`game: ${err && err.message}`));
  viewer.on('error', (err) => errors.push(`viewer: ${err && err.message}`));
  const sent = [];
  game.on('send', (d) => sent.push(d));

  try {
    await step('browser-game-open', async () => {
      check(typeof WebSocket === 'function', 'no WebSocket in this page');
      const hello = waitFor(game, 'hello');
      await game.open({
        authToken: opts.token,
        versionId: opts.versionId,
        discoveryUrl: `${origin}/api/v1/interactive/hosts`,
      });
      await hello;
      // Proof of the query-string path: the socket's URL carries the token.
      const url = game.socket.socket.url;
      check(/[?&]Authorization=Bearer(%20|\+)/.test(url), `socket URL has no Authorization parameter: ${url}`);
      check(/[?&]X-Interactive-Version=/.test(url), `socket URL has no X-Interactive-Version: ${url}`);
      return { url: url.replace(/Bearer(%20|\+)[^&]+/, 'Bearer%20…') };
    });

    await step('browser-game-createControls', async () => {
      await game.synchronizeState();
      const controls = await game.createControls({
        sceneID: 'default',
        controls: [{ controlID: 'web', kind: 'button', text: 'Web', position: positions(0, 10, 10, 5) }],
      });
      check(controls.length === 1 && controls[0].controlID === 'web', `created ${controls.map((c) => c.controlID)}`);
      await game.ready(true);
    });

    const join = await step('browser-participant-open', async () => {
      const me = await getJSON('/api/v1/users/current', opts.token);
      const j = await getJSON(`/api/v1/interactive/${me.channel.id}`, opts.viewerToken);
      const hello = waitFor(viewer, 'hello');
      await viewer.open({ url: j.socketAddress, key: j.key });
      await hello;
      await viewer.synchronizeScenes();
      check(viewer.state.getControl('web'), 'participant does not see the button');
      return { channelID: me.channel.id };
    });

    await step('browser-button-press', async () => {
      const got = waitFor(game.state.getControl('web'), 'mousedown');
      await viewer.state.getControl('web').giveInput({ event: 'mousedown', button: 0 });
      const [input, participant] = await got;
      check(input.input.controlID === 'web', `input ${JSON.stringify(input)}`);
      check(participant && participant.username === 'viewer1', `participant ${JSON.stringify(participant)}`);
      return { channelID: join.channelID };
    });

    await step('browser-no-errors', async () => {
      check(errors.length === 0, errors.join('; '));
    });
  } catch (err) {
    // The failing step is already recorded.
  } finally {
    viewer.close();
    game.close();
  }
  return steps;
}

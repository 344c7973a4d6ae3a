#!/usr/bin/env node
// memory.js grows an SDK game client's session with updateWorld until the
// mediator's memory limit (16 MiB by default): the SDK must survive the
// issueMemoryWarning the server sends at 80 % (it has no handler for it, so
// it must come with discard: true) and then see the 4017 close as a final
// OutOfMemory error, without reconnecting. One JSON line per step.
//
// Environment: MIXSTUDIO_URL, MIXSTUDIO_TOKEN, MIXSTUDIO_VERSION_ID,
// MIXSTUDIO_TIMEOUT_MS (default 25000).
'use strict';

const { interactive, state, baseURL, emit, fail, env, step, until } = require('./common');

for (const name of ['MIXSTUDIO_URL', 'MIXSTUDIO_TOKEN', 'MIXSTUDIO_VERSION_ID']) env(name);

async function main() {
  const game = new interactive.GameClient();
  let warning = null;
  let opens = 0;
  game.on('message', (data) => {
    const m = JSON.parse(data);
    if (m.method === 'issueMemoryWarning') warning = m;
  });
  game.on('open', () => opens++);
  const final = new Promise((resolve) => game.on('error', resolve));

  state.current = 'game-open';
  await game.open({
    authToken: process.env.MIXSTUDIO_TOKEN,
    versionId: Number(process.env.MIXSTUDIO_VERSION_ID),
    discoveryUrl: `${baseURL}/api/v1/interactive/hosts`,
  });
  emit({ step: state.current, ok: true });

  // 3 MiB of custom world data per call (under the 4 MiB frame limit): a
  // few calls reach 80 % of 16 MiB, a few more pass the limit. Each call
  // races the final error, since a call cut by the close never gets a reply.
  const chunk = 'x'.repeat(3 << 20);
  let calls = 0;
  const grow = () =>
    Promise.race([game.updateWorld({ [`blob${calls++}`]: chunk }).then(() => null), final]);

  state.current = 'grow-until-warning';
  let err = null;
  while (calls < 10 && !warning && !err) err = await grow();
  if (!warning) fail(state.current, new Error(`no issueMemoryWarning after ${calls * 3} MiB (${err && err.code})`));
  if (warning.discard !== true) fail(state.current, new Error(`issueMemoryWarning without discard: true: ${JSON.stringify(warning).slice(0, 300)}`));
  emit({ step: state.current, ok: true, mib: calls * 3, params: warning.params && { usedBytes: warning.params.usedBytes, totalBytes: warning.params.totalBytes } });

  state.current = 'closed-4017';
  while (calls < 12 && !err) err = await grow();
  if (!err || err.code !== 4017) fail(state.current, new Error(`want a 4017 error event, got ${err && err.code} ${err && err.message}`));
  // A final close: the SDK must not have reconnected.
  await new Promise((r) => setTimeout(r, 800));
  if (opens !== 1) fail(state.current, new Error(`the SDK reconnected after 4017 (${opens} opens)`));
  emit({ step: state.current, ok: true, code: err.code, type: err.constructor.name, message: err.message });
  process.exit(0);
}

main().catch((err) => fail(state.current, err));

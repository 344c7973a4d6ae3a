// build.js builds each test bundle into dist/NAME/: the bundle's own files
// and cdk-std's browser build (dist/bundle.min.js of @mixer/cdk-std from
// npm, MIT), which the bundle loads as std.js — as the CDK's HTML starter
// loaded the same file from Mixer's CDN, now gone. No bundler is needed:
// the starter's pages are plain HTML and scripts.
'use strict';
const fs = require('fs');
const path = require('path');

const std = require.resolve('@mixer/cdk-std/dist/bundle.min.js');
const version = require('@mixer/cdk-std/package.json').version;
const out = path.join(__dirname, 'dist');
fs.rmSync(out, { recursive: true, force: true });
for (const name of ['good', 'hostile']) {
  const src = path.join(__dirname, name);
  const dst = path.join(out, name);
  fs.mkdirSync(dst, { recursive: true });
  for (const file of fs.readdirSync(src)) {
    fs.copyFileSync(path.join(src, file), path.join(dst, file));
  }
  fs.copyFileSync(std, path.join(dst, 'std.js'));
  console.log(`built dist/${name} with @mixer/cdk-std ${version}`);
}

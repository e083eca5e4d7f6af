#!/usr/bin/env node
// prepack: refuses to pack a package that could not synth in a user's app. The package must hold
// the compiled library (dist/lib, nothing else under dist/), the runner image's Dockerfile, and
// artifacts/<function>/bootstrap for every function of LAMBDA_ARTIFACTS, each an arm64 (aarch64)
// ELF executable: what `make lambdas` builds. `make package` (scripts/pack-infra.sh) puts them
// there; a bare `npm pack` / `npm publish` in infra/ has none of them and stops here.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = process.cwd();
const problems = [];
const lib = path.join(root, 'dist', 'lib', 'artifacts.js');
if (!fs.existsSync(lib)) {
  problems.push('dist/lib is not built');
} else {
  const extra = fs.readdirSync(path.join(root, 'dist')).filter((d) => d !== 'lib');
  if (extra.length) problems.push(`dist/ holds more than the library: ${extra.join(', ')}`);
  const { LAMBDA_ARTIFACTS } = require(lib);
  for (const name of LAMBDA_ARTIFACTS) {
    const file = path.join(root, 'artifacts', name, 'bootstrap');
    if (!fs.existsSync(file)) {
      problems.push(`artifacts/${name}/bootstrap is missing`);
      continue;
    }
    const head = Buffer.alloc(20);
    const fd = fs.openSync(file, 'r');
    fs.readSync(fd, head, 0, 20, 0);
    fs.closeSync(fd);
    // ELF magic, 64-bit, little endian; e_machine (offset 18) 183 = EM_AARCH64.
    const elf = head.readUInt32BE(0) === 0x7f454c46 && head[4] === 2 && head[5] === 1;
    if (!elf || head.readUInt16LE(18) !== 183) {
      problems.push(`artifacts/${name}/bootstrap is not an arm64 ELF executable (Lambda runs it on arm64)`);
    }
  }
}
if (!fs.existsSync(path.join(root, 'runner-image', 'Dockerfile'))) problems.push('runner-image/Dockerfile is missing');
if (problems.length) {
  console.error(
    `depot-cdk: refusing to pack ${root}:\n  - ${problems.join('\n  - ')}\n` +
      'Pack from the repository root with `make package` (builds the arm64 functions, then scripts/pack-infra.sh),\n' +
      'or `scripts/pack-infra.sh` after `make lambdas`.',
  );
  process.exit(1);
}

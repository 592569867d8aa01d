#!/usr/bin/env node
// Runs every compiled test file under dist/test with node:test.
// Usage: node test/run.mjs [substring-filter …]
// Lab tests (test/lab, need root + ip netns) run one file at a time after the others,
// because they share the host's network namespace list and timing matters there.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const all = walk('dist/test')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
const lab = all.filter((f) => f.includes('/lab/'));
const rest = all.filter((f) => !f.includes('/lab/'));
let status = 0;
for (const [files, conc] of [
  [rest, 2],
  [lab, 1],
]) {
  if (files.length === 0) continue;
  const r = spawnSync(
    process.execPath,
    ['--test', `--test-concurrency=${conc}`, '--test-timeout=600000', '--test-reporter=spec', ...files],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);

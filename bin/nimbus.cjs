#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx) so `npx nimbus` works on a fresh checkout without a build step.
require('tsx/cjs');
require('../containers/node/cli.ts');

#!/usr/bin/env node
// Launcher so `npx runbook` works without a build step: tsx compiles the TypeScript CLI in
// this same process (no child process, so signals and exit codes pass through untouched).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

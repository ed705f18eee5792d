// Runs the real CLI (`bin/runbook.js`) as a child process, the way an operator would. Under tsx
// it has a child of its own (esbuild's service), so it runs in its own process group, recorded
// for the end-of-suite leftover check (test/helpers/process-group.ts): a CLI that never exits,
// or leaves a child behind, is named there.
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import { spawnInGroup } from './process-group.js';
import { recordLog } from './test-logs.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const { child } = spawnInGroup(process.execPath, [join(PROJECT_ROOT, 'bin/runbook.js'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      // Kept for the secret scan: CLI output must never hold a key or token.
      recordLog('cli', args.join(' '), `$ runbook ${args.join(' ')}\nexit ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}\n`);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

// Runs the real CLI (`bin/runbook.js`) as a child process, the way an operator would.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import { recordLog } from './test-logs.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/runbook.js'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      // Kept for the secret scan: CLI output must never hold a key or token.
      recordLog('cli', args.join(' '), `$ runbook ${args.join(' ')}\nexit ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}\n`);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

// The Temporal dev server and test server are started by the SDK's native code, which copies
// their stdout and stderr (a banner per server, error lines) straight to the test worker's own:
// nothing in Node can catch them there. A small wrapper script runs the real binary with both
// appended to the current test file's log instead (test/helpers/test-logs.ts).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILE_LOG_ENV, safeName, TEST_LOG_DIR_ENV } from './test-logs.js';

type Executable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** `binary`, or a wrapper that runs it with its output in the test file's log (when there is one). */
export function quietServer<E extends Executable>(binary: E): E | { type: 'existing-path'; path: string } {
  if (binary.type !== 'existing-path' || !process.env[FILE_LOG_ENV]) return binary;
  const dir = join(process.env[TEST_LOG_DIR_ENV] ?? tmpdir(), 'bin');
  mkdirSync(dir, { recursive: true });
  const wrapper = join(dir, `${process.pid}-${safeName(binary.path)}.sh`);
  // exec: the server keeps the wrapper's pid, so the SDK stops the server itself.
  writeFileSync(wrapper, `#!/bin/sh\nexec ${quote(binary.path)} "$@" >>"$${FILE_LOG_ENV}" 2>&1\n`);
  chmodSync(wrapper, 0o755);
  return { type: 'existing-path', path: wrapper };
}

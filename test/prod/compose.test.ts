// docker-compose.yml and the Dockerfile (DESIGN §10): Debian's docker-compose accepts the file;
// every command run from our image is one the CLI accepts; compose registers the same search
// attributes as the code; every service has a health check; secrets come from the environment.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/temporal/search-attributes.js';
import { WORKER_ENV, WORKER_NODE_FLAGS } from '../../bench/lib/bench-config.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  healthcheck?: { test: string[] | string };
  environment?: Record<string, string>;
  volumes?: string[];
}
const COMPOSE_FILE = join(PROJECT_ROOT, 'docker-compose.yml');
const compose = yaml.load(readFileSync(COMPOSE_FILE, 'utf8')) as { services: Record<string, Service> };
const OUR_IMAGE = compose.services['worker']?.image;
const ourServices = Object.entries(compose.services).filter(([, s]) => s.build !== undefined || s.image === OUR_IMAGE);

/** Why the CLI would refuse `runbook <argv>`, or undefined when it accepts it (parsed, not run). */
function cliRefuses(argv: string[]): string | undefined {
  let cmd: Command = buildProgram();
  let rest = argv;
  for (;;) {
    const sub = cmd.commands.find((c) => c.name() === rest[0] || c.aliases().includes(rest[0] ?? ''));
    if (!sub) break;
    cmd = sub;
    rest = rest.slice(1);
  }
  if (cmd.commands.length > 0) return `"${argv.join(' ')}" names no runnable command`;
  const { operands, unknown } = cmd.parseOptions(rest);
  if (unknown.length > 0) return `unknown option(s) ${unknown.join(' ')} for "${cmd.name()}"`;
  const args = cmd.registeredArguments;
  if (operands.length < args.filter((a) => a.required).length) return `missing argument for "${cmd.name()}"`;
  if (!args.some((a) => a.variadic) && operands.length > args.length) return `too many arguments for "${cmd.name()}": ${operands.join(' ')}`;
  return undefined;
}

const inCi = Boolean(process.env['CI']);
const hasCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
if (!hasCompose && !inCi) console.warn('skipping `docker-compose config`: docker-compose not found (apt-get install docker-compose; in CI this test fails instead)');

describe('docker-compose.yml', () => {
  it.skipIf(!hasCompose && !inCi)('`docker-compose -f docker-compose.yml config` accepts it, and refuses to run without the secrets', () => {
    if (!hasCompose) throw new Error('docker-compose is missing: CI must install it (Debian package docker-compose)');
    const withSecrets = spawnSync('docker-compose', ['-f', COMPOSE_FILE, 'config', '--quiet'], {
      env: { ...process.env, POSTGRES_PASSWORD: 'pw', RUNBOOK_ADMIN_KEY: 'key', RUNBOOK_WEBHOOK_TOKEN: 'token', RUNBOOK_SSH_KEY_DIR: '/etc/runbook/ssh' },
      encoding: 'utf8',
    });
    expect(withSecrets.status, withSecrets.stderr).toBe(0);
    const env = { ...process.env };
    delete env['POSTGRES_PASSWORD'];
    delete env['RUNBOOK_ADMIN_KEY'];
    delete env['RUNBOOK_WEBHOOK_TOKEN'];
    delete env['RUNBOOK_SSH_KEY_DIR'];
    const without = spawnSync('docker-compose', ['-f', COMPOSE_FILE, 'config', '--quiet'], { env, encoding: 'utf8' });
    expect(without.status).not.toBe(0);
    expect(without.stderr).toMatch(/set (POSTGRES_PASSWORD|RUNBOOK_ADMIN_KEY|RUNBOOK_WEBHOOK_TOKEN|RUNBOOK_SSH_KEY_DIR)/);
  });

  it('mounts a dedicated key directory read-only from a required variable, never an operator\'s ~/.ssh', () => {
    const mounts = Object.entries(compose.services).flatMap(([name, s]) => (s.volumes ?? []).map((v) => ({ name, v })));
    const ssh = mounts.filter(({ v }) => /\.ssh/.test(v));
    expect(ssh.map(({ name }) => name)).toEqual(['worker']);
    const [source, target, mode] = ssh[0]!.v.split(/:(?![^{]*})/);
    expect(source).toMatch(/^\$\{RUNBOOK_SSH_KEY_DIR:\?[^}]+\}$/); // required: compose refuses to start without it
    expect(target).toBe('/home/node/.ssh');
    expect(mode).toBe('ro');
    for (const { name, v } of mounts) expect(v, `${name} mounts a home directory`).not.toMatch(/~|\$HOME|\$\{HOME/);
  });

  it('every command run from our image, and the Dockerfile\'s default, is one the CLI accepts', () => {
    // The check itself refuses what the CLI refuses.
    expect(cliRefuses(['worker', '--metrics', '0.0.0.0:9464', '--bogus'])).toMatch(/unknown option/);
    expect(cliRefuses(['webhook', '--bogus'])).toMatch(/unknown option/);
    expect(cliRefuses(['config'])).toMatch(/no runnable command/);

    expect(ourServices.map(([name]) => name).sort()).toEqual(['prometheus-config', 'webhook', 'worker']);
    for (const [name, s] of ourServices) {
      expect(Array.isArray(s.command), `${name}: command must be an argv list`).toBe(true);
      expect(cliRefuses(s.command as string[]), name).toBeUndefined();
    }
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(cliRefuses(cmd)).toBeUndefined();
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/runbook\.js"\]$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });

  it('the image runs node with the memory settings bench/diagnose measures the worker with', () => {
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    // ENV NAME=value or ENV NAME="value with spaces"
    const env = Object.fromEntries([...dockerfile.matchAll(/^ENV (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!.replace(/^"(.*)"$/, '$1')]));
    expect(env['NODE_OPTIONS']).toBe(WORKER_NODE_FLAGS.join(' '));
    for (const [k, v] of Object.entries(WORKER_ENV)) expect(env[k], k).toBe(v);
  });

  it('registers exactly the search attributes of src/temporal/search-attributes.ts', () => {
    const script = [compose.services['temporal-admin-tools']!.command].flat().join('\n');
    const registered = [...script.matchAll(/search-attribute create --name (\S+) --type (\S+)/g)].map((m) => `${m[1]}=${m[2]}`);
    const TYPE: Record<string, string> = { KEYWORD: 'Keyword', BOOL: 'Bool' };
    expect(registered.sort()).toEqual(SEARCH_ATTRIBUTE_KEYS.map((k) => `${k.name}=${TYPE[k.type]}`).sort());
  });

  it('Prometheus and Alertmanager read what `config prometheus --out` writes; the webhook token reaches Alertmanager as a file', () => {
    const argv = compose.services['prometheus-config']!.command as string[];
    const flag = (name: string): string | undefined => argv[argv.indexOf(name) + 1];
    const out = flag('--out')!;
    const tokenFile = flag('--token-file')!;
    expect(out).toBeDefined();
    expect([compose.services['prometheus']!.command].flat()).toContain(`--config.file=${out}/prometheus.yml`);
    const am = [compose.services['alertmanager']!.command].flat().join(' ');
    expect(am).toContain(`--config.file=${out}/alertmanager.yml`);
    expect(am).toContain(`"$$RUNBOOK_WEBHOOK_TOKEN" > ${tokenFile}`);
    expect(compose.services['alertmanager']!.environment?.['RUNBOOK_WEBHOOK_TOKEN']).toBe('${RUNBOOK_WEBHOOK_TOKEN:?set RUNBOOK_WEBHOOK_TOKEN}');
  });

  it('every service has a health check, and no secret is written into the file', () => {
    for (const [name, s] of Object.entries(compose.services)) expect(s.healthcheck?.test, `${name} has no healthcheck`).toBeDefined();
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [k, v] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|PWD|KEY|TOKEN|SECRET/.test(k)) expect(String(v), `${name}.${k}`).toMatch(/^\$\{[A-Z_]+(:[?-][^}]*)?\}$/);
      }
    }
  });

  it('the image ships what the worker needs at run time', () => {
    expect(existsSync(join(PROJECT_ROOT, '.dockerignore'))).toBe(true);
    const ignored = readFileSync(join(PROJECT_ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.data']));
  });
});

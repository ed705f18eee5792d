// One node's SSH server (ssh2): its own host key, public-key auth against id_cluster.pub only,
// exec and shell sessions run by the simulated shell. Sockets arrive via injectSocket so the
// network layer can keep host-down ports silent (no banner).
import type { Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import type { SimNode } from './state-types.js';
import type { Shell } from './shell/interp.js';
import { newSession } from './shell/session.js';
import type { Session } from './shell/types.js';

const { Server, utils } = ssh2;

export interface SshDeps {
  shell: Shell;
  user: string;
  clientKey: ParsedKey;
  /** Which address a socket came in on (primary = Tailscale). */
  viaOf(socket: Socket): 'primary' | 'fallback';
  /** ssh-stall: the network layer silences this logged-in connection for good. */
  stallIfFaulted(socket: Socket): boolean;
}

/** Commands that read their script from stdin: `ssh host bash -s < script`, `ssh host << 'EOF'`. */
const READS_SCRIPT = /^\s*(?:\/(?:usr\/)?bin\/)?(?:bash|sh)(?:\s+-s)?(?:\s+-l)?\s*$/;

export function createSshServer(node: SimNode, hostKey: string, deps: SshDeps): InstanceType<typeof Server> {
  const allowed = deps.clientKey;
  const allowedPub = allowed.getPublicSSH();
  return new Server({ hostKeys: [hostKey], ident: 'OpenSSH_8.9p1 Ubuntu-3ubuntu0.10' }, (client) => {
    const sock = (client as unknown as { _sock: Socket })._sock;
    const via = deps.viaOf(sock);
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.username !== deps.user) return ctx.reject(['publickey']);
      if (ctx.key.algo !== allowed.type || !ctx.key.data.equals(allowedPub)) return ctx.reject(['publickey']);
      if (ctx.signature === undefined) return ctx.accept();
      if (ctx.blob !== undefined && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
      return ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      // ssh-stall: the login succeeded, then the link goes silent (what networkd restarts and
      // tailscale down do to a session): channel opens and keepalives are never answered.
      if (deps.stallIfFaulted(sock)) return;
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        const sh: Session = newSession(node, via);
        session.on('pty', (accept) => accept?.());
        session.on('env', (accept, _reject, info) => {
          sh.env.set(info.key, info.val);
          accept?.();
        });
        // How sshd starts the user's shell: `bash -c <command>` for exec, a login shell reading
        // stdin otherwise. The command line decides what `ps` and `pkill -f` see.
        const runOn = (
          stream: ssh2.ServerChannel,
          how: { command: string; stdin?: () => Promise<string> } | { cmdline: string; script: string },
        ): void => {
          const out = { write: (s: string) => void (stream.writable && stream.write(s)) };
          const err = { write: (s: string) => void (stream.stderr.writable && stream.stderr.write(s)) };
          const ran =
            'command' in how ? deps.shell.runSshCommand(how.command, sh, out, err, how.stdin) : deps.shell.runAsProcess(how.cmdline, how.script, sh, out, err);
          ran.then(
            (code) => {
              if (sh.killed) {
                sock.destroy();
                return;
              }
              // A shell killed by a signal: sshd reports exit-signal, not exit-status.
              if (sh.signal !== undefined) stream.exit(sh.signal, false, '');
              else stream.exit(code);
              stream.end();
            },
            (e: unknown) => {
              err.write(`bash: internal error: ${String(e)}\n`);
              stream.exit(1);
              stream.end();
            },
          );
        };
        const readAll = (stream: ssh2.ServerChannel, then: (text: string) => void): void => {
          let buf = '';
          stream.setEncoding('utf8');
          stream.on('data', (d: string) => void (buf += d));
          stream.on('end', () => then(buf));
        };
        session.on('exec', (accept, _reject, info) => {
          const stream = accept();
          if (READS_SCRIPT.test(info.command)) readAll(stream, (script) => runOn(stream, { cmdline: info.command.trim(), script }));
          else runOn(stream, { command: info.command, stdin: stdinReader(stream) });
        });
        // `ssh host << 'EOF' … EOF`: no command, so a shell reads the script from stdin.
        session.on('shell', (accept) => {
          const stream = accept();
          readAll(stream, (script) => runOn(stream, { cmdline: '-bash', script }));
        });
        session.on('subsystem', (_accept, reject) => reject?.());
      });
    });
  });
}

/**
 * The channel's stdin as sshd hands it to the command: buffered from the start, read to EOF
 * only by a command that asks for it (most never do, and their clients never send EOF).
 */
function stdinReader(stream: ssh2.ServerChannel): () => Promise<string> {
  const chunks: Buffer[] = [];
  let ended = false;
  const waiters: Array<() => void> = [];
  const done = (): void => {
    ended = true;
    for (const w of waiters.splice(0)) w();
  };
  stream.on('data', (d: Buffer) => chunks.push(d));
  stream.on('end', done);
  stream.on('close', done);
  return async () => {
    if (!ended) await new Promise<void>((r) => waiters.push(r));
    return Buffer.concat(chunks).toString('utf8');
  };
}

export function parseClientKey(publicKey: string): ParsedKey {
  const k = utils.parseKey(publicKey);
  if (k instanceof Error) throw k;
  return Array.isArray(k) ? k[0]! : k;
}

/**
 * An ed25519 key pair in OpenSSH format. ssh2's generator drops a leading zero byte of the
 * public key (about 1 key in 256 comes out malformed), so each pair is checked and redrawn.
 */
export function generateKey(comment: string): { private: string; public: string } {
  for (;;) {
    const k = utils.generateKeyPairSync('ed25519', { comment });
    const pub = utils.parseKey(k.public);
    const priv = utils.parseKey(k.private);
    if (pub instanceof Error || priv instanceof Error) continue;
    const a = (Array.isArray(pub) ? pub[0] : pub)!.getPublicSSH();
    const b = (Array.isArray(priv) ? priv[0] : priv)!.getPublicSSH();
    // 4+11 bytes of "ssh-ed25519", 4 bytes of length, 32 bytes of key.
    if (a.length === 51 && a.equals(b)) return k;
  }
}

// `tailscale status [--json] | ip | up | down` (§4.2) as the node's tailscaled answers them.
import type { Command } from '../types.js';

const tailscale: Command = (args, x) => {
  const n = x.s.node;
  const c = x.world.cluster;
  const sub = args[0] ?? 'status';
  if (sub === 'status') {
    if (args.includes('--json')) {
      x.io.out.write(JSON.stringify(x.world.tailscaleJson(n), null, 2) + '\n');
      return 0;
    }
    const text = x.world.tailscaleText(n);
    if (text === null) {
      x.io.out.write('Tailscale is stopped.\n');
      return 1;
    }
    x.io.out.write(text);
    return 0;
  }
  if (sub === 'ip') {
    if (!n.tailscaleUp) {
      x.io.err.write('Tailscale is stopped.\n');
      return 1;
    }
    x.io.out.write(c.liveHost(n) + '\n');
    return 0;
  }
  if (sub === 'up' || sub === 'down') {
    if (x.root !== true) {
      x.io.err.write(`Access denied: prefs write access denied\n\nUse 'sudo tailscale ${sub}'.\n`);
      return 1;
    }
    c.record(n.name, 'ssh', x.text);
    if (sub === 'up') c.tailscaleUpCmd(n);
    else {
      c.tailscaleDown(n);
      // The session itself rides on the Tailscale address: it dies right after this command.
      if (x.s.via === 'primary') x.s.killed = true;
      x.world.dropPrimarySessions(n);
    }
    return 0;
  }
  x.io.err.write(`tailscale: unknown subcommand: ${sub}\n`);
  return 1;
};

export const TAILSCALE = { tailscale } satisfies Record<string, Command>;

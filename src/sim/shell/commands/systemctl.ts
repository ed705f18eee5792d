// `systemctl restart systemd-networkd|tailscaled` (§4.5 partition recovery, §4.2).
import type { Command } from '../types.js';

const KNOWN_UNITS = ['systemd-networkd', 'tailscaled', 'ssh', 'sshd'];

const systemctl: Command = (args, x) => {
  const [verb, unitRaw] = args.filter((a) => !a.startsWith('-'));
  const unit = (unitRaw ?? '').replace(/\.service$/, '');
  if (verb === 'status' || verb === 'is-active') {
    x.io.out.write(verb === 'is-active' ? 'active\n' : `● ${unit}.service\n     Active: active (running)\n`);
    return 0;
  }
  if (verb !== 'restart' && verb !== 'start' && verb !== 'stop') {
    x.io.err.write(`Unknown command verb ${verb ?? ''}.\n`);
    return 1;
  }
  if (x.root !== true) {
    x.io.err.write(`Failed to ${verb} ${unit}.service: Interactive authentication required.\nSee system logs and 'systemctl status ${unit}.service' for details.\n`);
    return 1;
  }
  if (!KNOWN_UNITS.includes(unit)) {
    x.io.err.write(`Failed to ${verb} ${unit}.service: Unit ${unit}.service not found.\n`);
    return 5;
  }
  const c = x.world.cluster;
  c.record(x.s.node.name, 'ssh', x.text);
  if (unit === 'systemd-networkd' && verb === 'restart') c.networkdRestart(x.s.node);
  if (unit === 'tailscaled' && verb === 'restart') {
    c.tailscaleDown(x.s.node);
    c.tailscaleUpCmd(x.s.node);
  }
  return 0;
};

export const SYSTEMCTL = { systemctl } satisfies Record<string, Command>;

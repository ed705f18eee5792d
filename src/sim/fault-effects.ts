// What setting or clearing each fault does to the cluster model. `--clear` removes a fault
// without running its fix; the fixes themselves are the runbook's commands (docs/reference/simulator.md).
import type { SimCluster } from './cluster.js';
import type { ClusterFault, NodeFault } from './faults.js';
import type { SimNode } from './state-types.js';

export function applyClusterFault(c: SimCluster, kind: ClusterFault, clear: boolean): void {
  switch (kind) {
    case 'leader-lost':
      c.leaderLost = !clear;
      if (!clear) c.leaderId = null;
      break;
    case 'election-stuck':
      c.stuckPending = clear ? null : new Set(c.voters.map((v) => v.name));
      if (!clear) c.leaderId = null;
      break;
    case 'admin-down':
      // The admin service is down, the sync it drives is not: progress goes on unseen.
      if (c.adminDown !== !clear) {
        c.adminDown = !clear;
        c.emit('admin', c.coordinator);
      }
      break;
    case 'sync-stalled':
      if (clear) c.sync.unstall();
      else c.sync.stall();
      break;
  }
}

export function applyNodeFault(c: SimCluster, n: SimNode, kind: NodeFault, clear: boolean): void {
  switch (kind) {
    case 'p2p-down':
      if (!clear) c.killDaemon(n);
      else if (n.daemon !== 'running' || n.joining) {
        clearTimeout(n.daemonTimer);
        n.joining = false;
        n.daemon = 'running';
        n.daemonSince = Date.now();
        c.emit('daemon', n);
      }
      break;
    case 'tailscale-down':
      if (n.tailscaleUp === clear) break;
      n.tailscaleUp = clear;
      c.emit('tailscale', n);
      break;
    case 'partition':
      n.partitionStage = clear ? null : 0;
      n.tailscaleWentDown = false;
      break;
    case 'host-down':
      if (n.hostDown !== !clear) {
        n.hostDown = !clear;
        c.emit('host', n);
      }
      break;
    case 'slow-primary':
      n.slowPrimary = !clear;
      break;
    case 'ssh-stall':
      if (n.sshStalled !== !clear) {
        n.sshStalled = !clear;
        c.emit('ssh-stall', n);
      }
      break;
    case 'blind-to-worker':
      // Nothing in the model changes (the daemon, the mesh, the leader): only what the outside
      // sees, so only --clear removes it; a daemon restart does not.
      if (n.blindToWorker !== !clear) {
        n.blindToWorker = !clear;
        c.emit('blind', n);
      }
      break;
    case 'p2p-ignores-sigterm':
      n.ignoresSigterm = !clear;
      break;
    case 'slow-rejoin':
      n.slowRejoin = !clear;
      // Cleared while rejoining: it rejoins now, so a cleared cluster is a healthy one.
      if (clear && n.joining) {
        clearTimeout(n.daemonTimer);
        n.daemonTimer = undefined;
        c.joinMesh(n);
      }
      break;
    case 'flapping':
      // Set: the daemon dies now and after every later start. Cleared: the pending crash is
      // called off and a dead daemon runs again, so a cleared cluster is a healthy one.
      n.flapping = !clear;
      if (!clear) c.killDaemon(n, 'KILL');
      else {
        clearTimeout(n.flapTimer);
        n.flapTimer = undefined;
        applyNodeFault(c, n, 'p2p-down', true);
      }
      break;
    case 'ip-changed':
      if (!clear) c.moveTo(n, c.nextMovedAddress());
      else if (n.movedTo !== null) c.moveTo(n, null);
      break;
    case 'rogue-peer':
      // Nothing in the runbook removes a device from the tailnet: only --clear (the admin console).
      n.roguePeer = !clear;
      break;
  }
}

// Workflow bundle entry. Workflow type names are the procedure names of DESIGN §4, so the
// Web UI, the CLI and the history all say `restart-p2p`, not a function name.
export { diagnose } from './diagnose.js';
export { restartP2p as 'restart-p2p' } from './restart-p2p.js';
export { fixTailscale as 'fix-tailscale' } from './fix-tailscale.js';
export { forceElection as 'force-election' } from './force-election.js';
export { repairSync as 'repair-sync' } from './repair-sync.js';
export { recoverNode as 'recover-node' } from './recover-node.js';
export { updateHosts as 'update-hosts' } from './update-hosts.js';
export { healthMonitor as 'health-monitor' } from './health-monitor.js';
export { remediationSlots } from './slots.js';
export { connectivityIncident as 'connectivity-incident' } from './incident.js';

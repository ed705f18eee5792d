// The runbook's procedures (DESIGN §4) as the worker registers them. Workflow type names are
// the procedure names, so the Web UI, the CLI and the history all say `restart-p2p`, not a
// function name. Each export needs its entry in registry.ts (a compile error otherwise).
export { diagnose } from './diagnose.js';
export { restartP2p as 'restart-p2p' } from './restart-p2p.js';
export { fixTailscale as 'fix-tailscale' } from './fix-tailscale.js';
export { forceElection as 'force-election' } from './force-election.js';
export { repairSync as 'repair-sync' } from './repair-sync.js';
export { recoverNode as 'recover-node' } from './recover-node.js';
export { updateHosts as 'update-hosts' } from './update-hosts.js';

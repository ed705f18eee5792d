// Workflow bundle entry: every workflow the worker runs. The runbook procedures come from
// procedures.ts; workflows that are not procedures (the blast-radius semaphore, and drivers
// such as an incident or a monitor) are exported here and described in registry.ts.
export * from './procedures.js';
export { healthMonitor as 'health-monitor' } from './health-monitor.js';
export { remediationSlots } from './slots.js';
export { connectivityIncident as 'connectivity-incident' } from './incident.js';

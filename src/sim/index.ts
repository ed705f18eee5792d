// Public API of the cluster simulator (DESIGN §7).
export { startSimulator } from './simulator.js';
export type { SimulatorHandle } from './simulator.js';
export type { SimulatorOptions, ClusterShape } from './options.js';
export type { ShapeNode, SimProvider } from './topology.js';
export { readSimInfo, SIM_USER, SIM_SERVICE_DIR } from './cluster-files.js';
export { FAULT_KINDS, NODE_FAULTS, CLUSTER_FAULTS } from './faults.js';
export type { FaultKind, NodeFault, ClusterFault } from './faults.js';
export { SimUsageError } from './errors.js';
export { SYNC_CATEGORIES } from './data-sync.js';
export type { SyncStatusBody } from './data-sync.js';
export type { SimState, SimStateNode, Mutation, P2pView } from './state-types.js';
export { SIM_PORTS } from './ports.js';
export type { ServicePorts } from './ports.js';
export { layoutCluster, addressOf } from './topology.js';

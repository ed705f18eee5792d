// Public API of the cluster simulator (DESIGN §7).
export { startSimulator, readSimInfo, SIM_USER, SIM_SERVICE_DIR } from './simulator.js';
export type { SimulatorOptions, SimulatorHandle } from './simulator.js';
export { FAULT_KINDS, NODE_FAULTS, CLUSTER_FAULTS, SimUsageError, SYNC_CATEGORIES } from './cluster.js';
export type { FaultKind, NodeFault, ClusterFault, SimState, SimStateNode, Mutation, P2pView, SyncStatusBody } from './cluster.js';
export { SIM_PORTS } from './http-api.js';
export { layoutCluster, addressOf } from './topology.js';

// A port the OS just handed out, for servers that need the number before they start (the dev
// server's frontend and UI, the metrics endpoint): the same helper the alerting stack uses.
export { freeLoopbackPort as freePort } from '../../src/alerting/processes.js';

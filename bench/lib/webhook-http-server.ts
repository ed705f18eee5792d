// bench/webhook-http's server process: the webhook app (src/webhook/app.ts) served by
// @hono/node-server as `runbook webhook` serves it, with the production policy, routing, token
// check, validation and logger, but a fake intake that answers at once, so its CPU is the HTTP
// layer's alone (no Temporal call). Prints "PORT <n>"; SIGUSR2 prints "CPU <ms>"; JSON logs on
// stderr (the parent drains them, as the alert storm bench does).
import { serve } from '@hono/node-server';
import { buildInput } from '../../src/client/procedures.js';
import { defaultPolicy } from '../../src/config/loader.js';
import { RunbookLogger } from '../../src/logging/logger.js';
import { createWebhookApp } from '../../src/webhook/app.js';
import type { IncidentIntake } from '../../src/webhook/temporal-intake.js';
import { cpuMsOf } from './proc-memory.js';

/** From the parent (bench/webhook-http.ts), which posts with it. */
const HTTP_BENCH_TOKEN = process.env['BENCH_WEBHOOK_TOKEN'] ?? '';

const policy = defaultPolicy();
const started = new Set<string>();
const intake: IncidentIntake = {
  // A macrotask later, as a network answer would come: posts overlap like real ones.
  fire: async (req) => {
    await new Promise((r) => setImmediate(r));
    if (started.has(req.workflowId)) return { action: 'joined' };
    started.add(req.workflowId);
    return { action: 'started' };
  },
  resolve: async () => ({ action: 'signalled' }),
  healthy: async () => true,
};
const nodes = new Set(Array.from({ length: 16 }, (_, i) => `n${i}`));
const { app } = createWebhookApp({
  token: HTTP_BENCH_TOKEN,
  intake,
  routes: () => policy.alerts,
  nodes: () => nodes,
  incidentInput: (r) => ({ ...buildInput(policy, { requestedBy: `alertmanager:${r.alert.alertname}/${r.alert.fingerprint}` }), ...r }),
  workflowUrl: (id) => `http://ui.bench/${id}`,
  logger: new RunbookLogger({ format: 'json', secrets: [HTTP_BENCH_TOKEN], level: process.env['BENCH_LOG_LEVEL'] === 'debug' ? 'DEBUG' : 'INFO' }),
});
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => console.log(`PORT ${info.port}`));
process.on('SIGUSR2', () => console.log(`CPU ${cpuMsOf(process.pid)}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

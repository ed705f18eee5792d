// The SDK runtime of a worker process, installed once before any connection: our logger for
// both the TypeScript side and Core's native logs, and Core's Prometheus endpoint (DESIGN §10).
import { Runtime } from '@temporalio/worker';
import type { Logger } from '@temporalio/common';

/** `host:port` for the Prometheus exporter; a bare port binds all interfaces. */
export function metricsBindAddress(value: string): string {
  const bind = /^\d+$/.test(value) ? `0.0.0.0:${value}` : value;
  const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d+)$/.exec(bind);
  if (!m || Number(m[2]) > 65535) throw new Error(`metrics address "${value}" is not HOST:PORT (e.g. 0.0.0.0:9464)`);
  return bind;
}

export function installWorkerRuntime(opts: { logger: Logger; metricsAddress?: string | undefined }): void {
  Runtime.install({
    logger: opts.logger,
    telemetryOptions: {
      // Core's own lines go through the same logger (one format, one redaction).
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(opts.metricsAddress !== undefined && {
        metrics: { prometheus: { bindAddress: opts.metricsAddress, countersTotalSuffix: true, useSecondsForDurations: true } },
      }),
    },
  });
}

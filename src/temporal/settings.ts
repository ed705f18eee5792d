// Where the processes find Temporal (DESIGN §5 env, §10 profiles) and the names they share.
import { resolveTemporalConnection, type TemporalConnectionConfig } from './connection-config.js';

export const TASK_QUEUE = 'cluster-runbooks';

export interface TemporalSettings {
  address: string;
  namespace: string;
  /** Web UI base, for links printed by the CLI. */
  uiUrl: string;
  /** The resolved envconfig profile: connection options and where they came from. */
  connection: TemporalConnectionConfig;
}

/** Throws ConnectionConfigError when the profile or its TLS files are wrong. */
export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const connection = resolveTemporalConnection(env);
  return {
    address: connection.address,
    namespace: connection.namespace,
    uiUrl: env['TEMPORAL_UI_URL'] ?? 'http://127.0.0.1:8233',
    connection,
  };
}

export function workflowUrl(s: Pick<TemporalSettings, 'uiUrl' | 'namespace'>, workflowId: string, runId?: string): string {
  const base = `${s.uiUrl}/namespaces/${encodeURIComponent(s.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

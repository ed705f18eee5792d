// Where the processes find Temporal (DESIGN §5 env) and the names they share.
export const TASK_QUEUE = 'cluster-runbooks';

export interface TemporalSettings {
  address: string;
  namespace: string;
  /** Web UI base, for links printed by the CLI. */
  uiUrl: string;
}

export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  return {
    address: env['TEMPORAL_ADDRESS'] ?? '127.0.0.1:7233',
    namespace: env['TEMPORAL_NAMESPACE'] ?? 'default',
    uiUrl: env['TEMPORAL_UI_URL'] ?? 'http://127.0.0.1:8233',
  };
}

export function workflowUrl(s: TemporalSettings, workflowId: string, runId?: string): string {
  const base = `${s.uiUrl}/namespaces/${encodeURIComponent(s.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

// Defaults of config/runbook.yaml that workflows fall back on when an input leaves a value
// out. Clients normally pass the loaded policy in the input, so history records what was used.
export function policyDefaults(): {
  batchSize: number;
  maxDrilldown: number;
  unreachableFraction: number;
  leaderlessMs: number;
} {
  return { batchSize: 250, maxDrilldown: 16, unreachableFraction: 0.5, leaderlessMs: 5 * 60_000 };
}

export function approvalDefaults(): { timeoutMs: number; modes: { low: 'auto' | 'require'; high: 'auto' | 'require' } } {
  return { timeoutMs: 15 * 60_000, modes: { low: 'auto', high: 'require' } };
}

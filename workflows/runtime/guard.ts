// §6.1 guard before any mutation: with more than half the cluster unreachable the problem is
// bigger than one node, so nothing is changed without a human saying so.
import { batch } from './activities.js';
import type { ProcedureRun } from './procedure.js';

export async function unreachableGuard(run: ProcedureRun<'check cluster reachability'>, fraction: number): Promise<void> {
  const r = await run
    .step('check cluster reachability', () => batch.reachability({}))
    .catch(() => undefined);
  if (!r) {
    run.requireHuman('cluster reachability unknown');
    run.note('check cluster reachability', 'could not measure: every step needs a human');
    return;
  }
  const share = r.total === 0 ? 0 : r.unreachable / r.total;
  run.note('check cluster reachability', `${r.unreachable}/${r.total} nodes unreachable`);
  if (share > fraction) {
    run.requireHuman(`${r.unreachable}/${r.total} nodes unreachable (> ${Math.round(fraction * 100)}%, §6.1)`);
  }
}

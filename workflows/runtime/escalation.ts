// §6.2 "Information to gather" for an escalation: Tailscale status, P2P status from healthy
// nodes, routing checks of the affected node, recent changes, provider status pages.
import { patched } from '@temporalio/workflow';
import { boundBundle } from '../../src/domain/bundle-bound.js';
import type { Provider } from '../../src/domain/cluster-spec.js';
import type { EscalationBundle } from '../../src/domain/procedure-input.js';
import type { Progress } from '../../src/domain/progress.js';
import { quick } from './activities.js';
import { errorText } from './error-text.js';

// §6.3 "Check provider status pages" (names only; nothing is fetched from here).
const STATUS_PAGES: Partial<Record<Provider, string>> = {
  lambda: 'https://status.lambdalabs.com',
  runpod: 'https://uptime.runpod.io',
  vast: 'https://status.vast.ai',
  nebius: 'https://status.nebius.com',
  vultr: 'https://status.vultr.com',
};

/** Gathers the bundle; each part is best-effort, so a broken network still escalates. */
export async function gatherEscalation(reasons: string[], progress: Progress, nodes: string[]): Promise<EscalationBundle> {
  const info = await quick.clusterInfo({}).catch(() => undefined);
  const healthyRefs = info ? [info.backbone, ...info.voters.filter((v) => v !== info.backbone)].slice(0, 3) : [];
  const [tailscale, p2pStatus, routing] = await Promise.all([
    quick.tailscaleStatus({}).catch((err: unknown) => ({ error: errorText(err) })),
    Promise.all(
      [...new Set([...nodes, ...healthyRefs])].map((node) =>
        quick
          .p2pStatus({ node })
          .then((r) => ({ node, ...(r.status && { status: r.status }), ...(r.error !== undefined && { error: r.error }) }))
          .catch((err: unknown) => ({ node, error: errorText(err) })),
      ),
    ),
    nodes.length > 0 ? quick.routingChecks({ nodes }).catch((err: unknown) => [{ error: errorText(err) }]) : [],
  ]);
  // §6.2 asks *healthy* nodes for their Tailscale view: a reference node that just failed to
  // answer its P2P status would only make the escalation wait out SSH timeouts (3 × 10 s).
  const answered = new Set(p2pStatus.filter((p) => p.error === undefined).map((p) => p.node));
  const onlyAnswering = patched(TAILSCALE_VIEWS_FROM_ANSWERING);
  const views = healthyRefs.filter((n) => !nodes.includes(n) && (!onlyAnswering || answered.has(n)));
  const extra = patched(ESCALATION_BUNDLE_COMPLETE) ? await completeBundle(views) : {};
  const providers = new Set(
    (info?.nodes ?? []).filter((n) => nodes.length === 0 || nodes.includes(n.name)).map((n) => n.provider),
  );
  return boundBundle({
    reasons,
    tailscale,
    p2pStatus,
    routing,
    recentChanges: progress.steps
      .filter((s) => s.state === 'done' && !s.name.startsWith('approve ') && !s.name.startsWith('check'))
      .map((s) => `${s.endedAt ?? ''} ${s.name}${s.detail ? `: ${s.detail}` : ''}`.trim()),
    providerStatusPages: [...providers].flatMap((p) => (STATUS_PAGES[p] ? [{ provider: p, url: STATUS_PAGES[p]! }] : [])),
    ...extra,
  });
}

/** patched() id: the bundle gained `tailscale status` over SSH and the hosts-file changes (§6.2 complete). */
export const ESCALATION_BUNDLE_COMPLETE = 'escalation-bundle-complete';
/** patched() id: `tailscale status` over SSH only on reference nodes whose P2P status answered. */
export const TAILSCALE_VIEWS_FROM_ANSWERING = 'tailscale-views-from-answering';

/** Tailscale's own view varies by node (§6.2 item 1 "from multiple nodes"), so ask a few healthy ones. */
const TAILSCALE_VIEWS = 3;
const TAILSCALE_OUTPUT_MAX = 1500;

async function completeBundle(healthy: string[]): Promise<Partial<EscalationBundle>> {
  const [tailscaleFromNodes, configChanges] = await Promise.all([
    Promise.all(
      healthy.slice(0, TAILSCALE_VIEWS).map((node) =>
        quick
          .sshRun({ node, step: 'tailscale-status' })
          .then((r) => ({ node, output: (r.exitCode === 0 ? r.stdout : `exit ${r.exitCode}: ${r.stderr}`).slice(0, TAILSCALE_OUTPUT_MAX) }))
          .catch((err: unknown) => ({ node, error: errorText(err) })),
      ),
    ),
    quick.recentConfigChanges({ limit: 3 }).catch(() => []),
  ]);
  return { tailscaleFromNodes, configChanges };
}

// §6.2 bundle, bounded: it has to fit a page (PagerDuty's 512 KiB event, Slack's 3,000-character
// blocks) and a workflow payload. Long texts and lists are cut with a visible marker, tighter
// and tighter until the JSON fits. Pure.
import type { EscalationBundle } from './procedure-input.js';

/** Default bound for a bundle as JSON: a page and a payload, with room to spare. */
export const MAX_BUNDLE_BYTES = 16 * 1024;

const STEPS: ReadonlyArray<{ text: number; items: number }> = [
  { text: 2000, items: 24 },
  { text: 600, items: 12 },
  { text: 200, items: 6 },
  { text: 80, items: 3 },
  { text: 40, items: 1 },
];

function cut(v: unknown, text: number, items: number, depth: number): unknown {
  if (typeof v === 'string') return v.length > text ? `${v.slice(0, text)}…[${v.length - text} more chars]` : v;
  if (Array.isArray(v)) {
    const kept = v.slice(0, items).map((x) => cut(x, text, items, depth + 1));
    return v.length > items ? [...kept, `…[${v.length - items} more]`] : kept;
  }
  if (v !== null && typeof v === 'object') {
    if (depth > 6) return '…[nested too deep]';
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cut(x, text, items, depth + 1)]));
  }
  return v;
}

const size = (v: unknown): number => new TextEncoder().encode(JSON.stringify(v)).length;

/**
 * The bundle cut to at most `maxBytes` of JSON. Reasons (what a human must read first) are
 * kept whole as long as they fit on their own.
 */
export function boundBundle(bundle: EscalationBundle, maxBytes: number = MAX_BUNDLE_BYTES): EscalationBundle {
  if (size(bundle) <= maxBytes) return bundle;
  for (const s of STEPS) {
    const { reasons, ...rest } = bundle;
    const shrunk = { reasons: size(reasons) <= maxBytes / 2 ? reasons : (cut(reasons, s.text, s.items, 0) as string[]), ...(cut(rest, s.text, s.items, 0) as object) } as EscalationBundle;
    if (size(shrunk) <= maxBytes) return { ...shrunk, truncated: true };
  }
  return {
    reasons: (cut(bundle.reasons, 200, 5, 0) as string[]),
    recentChanges: [],
    providerStatusPages: bundle.providerStatusPages.slice(0, 5),
    truncated: true,
  };
}

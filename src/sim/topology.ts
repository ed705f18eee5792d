// Deterministic layout of a simulated cluster: node names, providers, addresses and voters.
// Everything here is a pure function of (nodes, voters, seed, subnet) so a test can predict it.

export type SimProvider = 'lambda' | 'runpod' | 'vast' | 'nebius' | 'vultr' | 'unknown';

export interface NodeLayout {
  index: number;
  name: string;
  provider: SimProvider;
  /** Tailscale address (127.<subnet>.x.y); also the `host` of the hosts file. */
  primary: string;
  /** Internal address (127.<subnet+100>.x.y), the §5.4 fallback. */
  fallback: string;
  voter: boolean;
}

/** Small seeded PRNG (mulberry32): same seed, same cluster. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GPUS: Record<SimProvider, readonly string[]> = {
  runpod: ['h100', 'a100', 'a100-80gb', 'rtx4090', 'l40s'],
  vultr: ['a100-20gb', 'a100-40gb', 'h100'],
  lambda: ['gh200', 'h100', 'a100', 'a10'],
  vast: ['rtx4090', 'rtx3090', 'a6000', 'h100'],
  nebius: ['h100', 'h200', 'backbone'],
  // Never picked for a generated cluster; a twin of a hosts file may carry it (no §9 range matched).
  unknown: ['gpu'],
};
const PROVIDERS: readonly SimProvider[] = ['runpod', 'vultr', 'lambda', 'vast', 'nebius'];

/** Largest cluster the address scheme can hold (256 × 254 usable last octets). */
export const MAX_NODES = 256 * 254;

/** Address of node `i` in the /16 `127.<second>.0.0`, never using .0 or .255 as last octet. */
export function addressOf(second: number, i: number): string {
  return `127.${second}.${Math.floor(i / 254)}.${(i % 254) + 1}`;
}

export function layoutCluster(opts: { nodes: number; voters: number; seed: number; subnet: number }): NodeLayout[] {
  const rand = prng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const nodes: NodeLayout[] = [];
  for (let i = 0; i < opts.nodes; i++) {
    const provider: SimProvider = i === 0 ? 'nebius' : pick(PROVIDERS);
    const gpu = i === 0 ? 'backbone' : pick(GPUS[provider]);
    nodes.push({
      index: i,
      name: `${provider}-${gpu}-${i + 1}`,
      provider,
      primary: addressOf(opts.subnet, i),
      fallback: addressOf(opts.subnet + 100, i),
      voter: i === 0,
    });
  }
  // Node 0 (the backbone) always votes; the others are a seeded sample of the rest.
  const rest = nodes.slice(1).map((n) => n.index);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  for (const idx of rest.slice(0, opts.voters - 1)) nodes[idx]!.voter = true;
  return nodes;
}

/** One node of a given cluster (a rehearsal's twin of a hosts file) rather than a generated one. */
export interface ShapeNode {
  name: string;
  provider: SimProvider;
  voter: boolean;
}

/**
 * The layout of a given cluster, in the given order: node 0 is the coordinator (the simulator
 * serves the admin API there), addresses follow the same scheme as a generated cluster.
 */
export function layoutShape(nodes: readonly ShapeNode[], subnet: number): NodeLayout[] {
  return nodes.map((n, i) => ({
    index: i,
    name: n.name,
    provider: n.provider,
    primary: addressOf(subnet, i),
    fallback: addressOf(subnet + 100, i),
    voter: n.voter,
  }));
}

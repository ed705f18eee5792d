// Every string in a workflow history, payloads decoded: what a secret scan must read. Payload
// data are bytes (JSON text), so a plain JSON.stringify of the history would miss a secret there.
export function historyText(history: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (v === null || v === undefined) return;
    if (typeof v === 'string') {
      parts.push(v);
      return;
    }
    if (v instanceof Uint8Array) {
      parts.push(Buffer.from(v).toString('utf8'));
      return;
    }
    if (typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x);
  };
  walk(history);
  return parts.join('\n');
}

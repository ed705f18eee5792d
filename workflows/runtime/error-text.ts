// "Activity task failed" says little: the innermost cause names what went wrong (an SSH
// timeout, a refused admin key), which is what progress and escalations should show.
export function errorText(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  let text = String(err);
  for (let depth = 0; e && depth < 6; depth++) {
    if (e.message) text = e.message;
    e = e.cause as typeof e;
  }
  return text;
}

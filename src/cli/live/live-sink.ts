// Where the live view goes. Always stderr, so stdout carries only the result (text or --json)
// and `runbook run --wait > result.txt` or `| jq` see exactly what they saw before. When both
// stdout and stderr are a terminal, a frame redrawn in place (log-update); otherwise (pipes, CI,
// a redirected stream) one plain line per change, no escape codes.
import { createLogUpdate } from 'log-update';
import type { Progress } from '../../domain/progress.js';
import { changeLines, renderFrame, type RenderContext } from './render.js';

export interface ProgressSink {
  /** The latest poll. */
  show(p: Progress): void;
  /** Leave what is shown in place (the final frame stays on screen). Idempotent. */
  stop(): void;
}

export type LiveMode = 'frame' | 'lines';

export function liveMode(stdout: { isTTY?: boolean }, stderr: { isTTY?: boolean }): LiveMode {
  return stdout.isTTY === true && stderr.isTTY === true ? 'frame' : 'lines';
}

const FOOTER = 'Ctrl-C stops watching; the workflow goes on.';

export function createSink(mode: LiveMode, ctx: RenderContext, out: NodeJS.WriteStream = process.stderr): ProgressSink {
  if (mode === 'lines') {
    let prev: Progress | undefined;
    return {
      show(p) {
        for (const line of changeLines(prev, p, ctx)) out.write(`${line}\n`);
        prev = p;
      },
      stop() {},
    };
  }
  const draw = createLogUpdate(out);
  let last: Progress | undefined;
  let stopped = false;
  return {
    show(p) {
      last = p;
      draw(renderFrame(p, ctx, Date.now(), FOOTER));
    },
    stop() {
      if (stopped) return;
      stopped = true;
      // The last frame without the footer stays on screen, above the result.
      if (last) draw(renderFrame(last, ctx, Date.now()));
      draw.done();
    },
  };
}

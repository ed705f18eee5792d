// Where the live view goes. Always stderr, so stdout carries only the result (text or --json)
// and `runbook run --wait > result.txt` or `| jq` see exactly what they saw before. When both
// stdout and stderr are a terminal with a size, a frame redrawn in place (log-update); otherwise
// (pipes, CI, a redirected stream, a pty nobody sized) one plain line per change, no escape codes.
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

interface Stream {
  isTTY?: boolean;
  rows?: number;
  columns?: number;
}

export function liveMode(stdout: Stream, stderr: Stream): LiveMode {
  // log-update keeps the last `rows` lines of a frame: a terminal of 0 rows or columns (`script`
  // and other ptys start at 0×0 until someone sets a size) would show nothing until the end.
  const sized = (stderr.rows ?? 0) > 0 && (stderr.columns ?? 0) > 0;
  return stdout.isTTY === true && stderr.isTTY === true && sized ? 'frame' : 'lines';
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

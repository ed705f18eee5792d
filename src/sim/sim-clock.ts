// The simulator's timers: scaled sleeps for the shell and the jobs it detaches. stop() clears
// every pending sleep, and later sleeps never end, so a detached job just stays asleep
// instead of keeping the process alive.

export class SimClock {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly detached = new Set<Promise<unknown>>();
  private stopped = false;

  sleep(ms: number): Promise<void> {
    return new Promise((res) => {
      if (this.stopped) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        res();
      }, ms);
      this.timers.add(t);
    });
  }

  /** Holds a job that outlives its session (`… &`, `nohup … &`) until it settles. */
  detach(job: Promise<unknown>): void {
    this.detached.add(job);
    void job.finally(() => this.detached.delete(job));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
  }
}

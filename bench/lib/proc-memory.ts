// Memory of a running process, read from Linux's /proc (no sampling loop needed: the kernel
// keeps the peak for us).
import { readFileSync } from 'node:fs';

/** kB values of /proc/<pid>/status: VmHWM is the peak resident set since the process started. */
export function memoryOf(pid: number): { rssKb: number; hwmKb: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

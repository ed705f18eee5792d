// bench/recovery's options (bench/README.md), parsed from argv; every bad value a BenchUsageError
// naming the flag. Apart from the bench so test/bench/bench-lib.test.ts can check it.
import { parseArgs } from 'node:util';
import { BenchUsageError, choiceList, intInRange, intList } from './bench-args.js';
import { RECOVERY_FAULT_KINDS } from './recovery-faults.js';

export const RECOVERY_USAGE =
  `usage: npm run bench:recovery -- [--sizes 1,10,100] [--faults ${RECOVERY_FAULT_KINDS.join(',')}] [--subnet 33] [--time-scale 1] [--cell-timeout 1800]`;

export interface RecoveryOptions {
  sizes: number[];
  faults: string[];
  subnet: number;
  /** The simulator's --time-scale (daemon start, sync durations); 1 = the modelled real durations. */
  timeScale: number;
  /** Seconds one fault × N cell may take before it is reported as timed out. */
  cellTimeout: number;
}

export function parseRecoveryOptions(argv: string[]): RecoveryOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        sizes: { type: 'string', default: '1,10,100' },
        faults: { type: 'string', default: RECOVERY_FAULT_KINDS.join(',') },
        subnet: { type: 'string', default: '33' },
        'time-scale': { type: 'string', default: '1' },
        'cell-timeout': { type: 'string', default: '1800' },
      },
    }));
  } catch (e) {
    throw new BenchUsageError((e as Error).message);
  }
  const timeScale = Number(values['time-scale']);
  if (!Number.isFinite(timeScale) || timeScale <= 0 || timeScale > 10) throw new BenchUsageError(`--time-scale must be a number in (0, 10], got "${values['time-scale']}"`);
  return {
    sizes: intList('--sizes', values.sizes, 1, 200).sort((a, b) => a - b),
    faults: choiceList('--faults', values.faults, RECOVERY_FAULT_KINDS),
    subnet: intInRange('--subnet', values.subnet, 1, 155),
    timeScale,
    cellTimeout: intInRange('--cell-timeout', values['cell-timeout'], 10, 86_400),
  };
}

// One logger for the worker's own lines and the Temporal SDK's (installed as the Runtime
// logger, with Core's native logs forwarded to it): human-readable text by default, one JSON
// object per line with --log-format json for log shippers. Secrets are redacted in both.
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { redactText, redactValue } from './redact.js';

export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

const LOG_TIMESTAMP = Symbol.for('log_timestamp');
const RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

export interface RunbookLoggerOptions {
  format: LogFormat;
  level?: LogLevel;
  secrets?: readonly string[];
  /** Where lines go; stderr by default so stdout stays for command output. */
  write?: (line: string) => void;
}

export class RunbookLogger implements Logger {
  private readonly level: LogLevel;
  private readonly secrets: readonly string[];
  private readonly write: (line: string) => void;

  constructor(private readonly opts: RunbookLoggerOptions) {
    this.level = opts.level ?? 'INFO';
    this.secrets = opts.secrets ?? [];
    this.write = opts.write ?? ((line) => process.stderr.write(`${line}\n`));
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (RANK[level] < RANK[this.level]) return;
    const rest = (meta ? redactValue(meta, this.secrets) : {}) as Record<string, unknown>;
    const text = redactText(message, this.secrets);
    // The SDK stamps forwarded native logs with their own time (ns since epoch) under a symbol key.
    const stamp = (meta as Record<symbol, unknown> | undefined)?.[LOG_TIMESTAMP];
    const time = typeof stamp === 'bigint' ? new Date(Number(stamp / 1_000_000n)) : new Date();
    if (this.opts.format === 'json') {
      this.write(JSON.stringify({ time: time.toISOString(), level: level.toLowerCase(), message: text, ...rest }));
    } else {
      const extra = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      this.write(`${time.toISOString()} ${level.padEnd(5)} ${text}${extra ? ` ${extra}` : ''}`);
    }
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

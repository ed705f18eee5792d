export interface ConfigProblem {
  /** YAML path such as `hosts[2].port`; empty for the document itself. */
  path: string;
  /** 1-based line in the file, when it could be located. */
  line?: number;
  message: string;
}

/** Thrown when a config file cannot be read, parsed or validated; lists every problem found. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    super(
      `invalid config ${file}:\n` +
        problems
          .map((p) => `  ${file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.path || '(document)'}: ${p.message}`)
          .join('\n'),
      options,
    );
  }
}

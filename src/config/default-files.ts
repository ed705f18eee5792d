// Where the two config files are by default. Apart from the loader so that the CLI can name them
// in its options without loading the loader (zod schemas, js-yaml): `runbook --help` stays fast.
export const DEFAULT_HOSTS_FILE = 'config/distributed_hosts.yaml';
export const DEFAULT_POLICY_FILE = 'config/runbook.yaml';

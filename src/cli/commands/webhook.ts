// `runbook webhook`: the production alert intake (DESIGN §8). Connects through the envconfig
// profile (DESIGN §10) like the worker; the token comes from $RUNBOOK_WEBHOOK_TOKEN only.
import type { Command } from 'commander';
import { DEFAULT_WEBHOOK_PORT } from '../../alerting/endpoints.js';
import { DEFAULT_HOSTS_FILE } from '../../config/default-files.js';
import { LOG_FORMATS, type LogFormat, RunbookLogger } from '../../logging/logger.js';
import { notificationSecretNames, secretsFromEnv } from '../../logging/redact.js';
import { isLoopbackHost } from '../../webhook/loopback.js';
import { TOKEN_ENV, WebhookTokenError, webhookToken } from '../../webhook/token.js';
import { policyFor } from '../context.js';
import { UsageError } from '../errors.js';

interface WebhookFlags {
  config?: string;
  policy?: string;
  host: string;
  port: string;
  logFormat: string;
  insecureNoToken?: boolean;
}

export { DEFAULT_WEBHOOK_PORT };

export function registerWebhookCommand(program: Command): void {
  program
    .command('webhook')
    .description(
      'receive Alertmanager notifications on POST /alerts/alertmanager and start or join one\n' +
        `connectivity-incident per alert (docs/reference/alert-routing.md). Auth: "Authorization: Bearer $${TOKEN_ENV}".\n` +
        'Also GET /healthz and GET /metrics. Temporal connection as for `runbook worker`.',
    )
    .option('--config <file>', 'hosts file (node labels must name one of its nodes)')
    .option('--policy <file>', 'runbook policy (alerts: routing, incident: limits)')
    .option('--host <address>', 'listen address', process.env['RUNBOOK_WEBHOOK_HOST'] ?? '127.0.0.1')
    .option('--port <port>', 'listen port (0: any free port)', process.env['RUNBOOK_WEBHOOK_PORT'] ?? String(DEFAULT_WEBHOOK_PORT))
    .option('--log-format <format>', 'text (human-readable) or json (one object per line)', process.env['RUNBOOK_LOG_FORMAT'] ?? 'text')
    .option('--insecure-no-token', `accept alerts without a bearer token (development only; never with a reachable address)`)
    .action(async (flags: WebhookFlags) => {
      if (!LOG_FORMATS.includes(flags.logFormat as LogFormat)) {
        throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, got "${flags.logFormat}"`);
      }
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, got "${flags.port}"`);
      // Without a token, anyone who reaches the port starts incidents: only on a loopback address.
      if (flags.insecureNoToken && !isLoopbackHost(flags.host)) {
        throw new UsageError(
          `--insecure-no-token listens without authentication, so only on a loopback address (127.0.0.1, ::1), not on --host ${flags.host}; set $${TOKEN_ENV} instead`,
        );
      }
      let token: string | undefined;
      try {
        token = flags.insecureNoToken ? undefined : webhookToken();
      } catch (err) {
        if (err instanceof WebhookTokenError) throw new UsageError(err.message);
        throw err;
      }
      const hostsFile = flags.config ?? process.env['RUNBOOK_CONFIG'] ?? DEFAULT_HOSTS_FILE;
      const { loadCluster } = await import('../../config/loader.js');
      loadCluster(hostsFile); // config errors exit 2 before listening
      const policy = await policyFor(flags.policy);
      const logger = new RunbookLogger({ format: flags.logFormat as LogFormat, secrets: [...secretsFromEnv(process.env, notificationSecretNames(policy.notifications)), ...(token ? [token] : [])] });

      // Loaded on use: the Temporal client stays out of `runbook --help` (DESIGN §10).
      const { Client, Connection } = await import('@temporalio/client');
      const { ConnectionConfigError, connectFailureMessage } = await import('../../temporal/connection-config.js');
      const { TASK_QUEUE, temporalSettings } = await import('../../temporal/settings.js');
      const { watchedCluster } = await import('../../worker/deps.js');
      const { startWebhookServer } = await import('../../webhook/server.js');
      let settings;
      try {
        settings = temporalSettings();
      } catch (err) {
        if (err instanceof ConnectionConfigError) throw new UsageError(err.message);
        throw err;
      }
      // A TLS profile the server refuses (wrong CA, no client certificate) can never work: exit
      // now, naming the profile, instead of answering 503 forever.
      const { tlsPreflight } = await import('../../client/tls-preflight.js');
      const preflight = await tlsPreflight(settings.connection);
      if (preflight.verdict === 'refused') {
        throw new UsageError(connectFailureMessage(settings.connection, new Error(`TLS handshake failed: ${preflight.reason}`)));
      }
      if (preflight.verdict === 'unreachable') logger.warn('Temporal does not answer yet; alerts get 503 until it does', { temporal: settings.address, reason: preflight.reason });
      // Lazy: the webhook listens even while Temporal is away; /healthz and every POST say 503
      // until it answers, so Alertmanager retries instead of losing alerts.
      const connection = Connection.lazy(settings.connection.connectionOptions);
      const client = new Client({ connection, namespace: settings.namespace });
      const server = await startWebhookServer({
        client,
        taskQueue: TASK_QUEUE,
        cluster: watchedCluster(hostsFile),
        policy,
        token,
        uiUrl: settings.uiUrl,
        host: flags.host,
        port,
        logger,
      });
      logger.info('webhook ready', {
        url: `${server.url}/alerts/alertmanager`,
        auth: token ? `bearer token from $${TOKEN_ENV}` : 'NONE (--insecure-no-token)',
        temporal: settings.address,
        namespace: settings.namespace,
        hostsFile,
        alerts: Object.keys(policy.alerts).join(','),
        // Whether approval buttons can work: the variable's name, never its value.
        slack: process.env['SLACK_SIGNING_SECRET'] ? `${server.url}/slack/interactions (clicks verified with $SLACK_SIGNING_SECRET)` : 'off: SLACK_SIGNING_SECRET is not set',
      });
      if (!token) logger.warn('accepting alerts without authentication (--insecure-no-token)');
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await connection.close();
    });
}

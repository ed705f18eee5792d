// alertmanager.yml: the runbook's five alerts go to our webhook (DESIGN §8) with the bearer
// token read by Alertmanager from a file at send time, so the token is never written into the
// config (nor into this repository); everything else goes nowhere.
import yaml from 'js-yaml';
import { ALERTMANAGER_WEBHOOK_PATH, webhookUrl } from './endpoints.js';
import { type AlertingTiming, ALERT_NAMES, promDuration } from './timing.js';

export const ALERTMANAGER_FILE = 'alertmanager.yml';
/** Default token file, relative to alertmanager.yml (Alertmanager resolves it from there). */
export const DEFAULT_TOKEN_FILE = 'webhook-token';
export const WEBHOOK_RECEIVER = 'runbook-webhook';

export interface AlertmanagerOptions {
  timing: AlertingTiming;
  /** The webhook's base URL; the receiver posts to `<base>/alerts/alertmanager`. */
  webhookBase: URL;
  /** File holding the webhook token (RUNBOOK_WEBHOOK_TOKEN); relative to alertmanager.yml. */
  tokenFile: string;
}

export function alertmanagerYaml(o: AlertmanagerOptions): string {
  const t = o.timing;
  const doc = {
    route: {
      // Alerts that are not the runbook's are not ours to handle.
      receiver: 'discard',
      routes: [
        {
          receiver: WEBHOOK_RECEIVER,
          matchers: [`alertname=~"${ALERT_NAMES.join('|')}"`],
          // One notification per alert and node: the webhook turns each into one incident.
          group_by: ['alertname', 'node'],
          group_wait: promDuration(t.groupWaitMs),
          group_interval: promDuration(t.groupIntervalMs),
          repeat_interval: promDuration(t.repeatIntervalMs),
        },
      ],
    },
    receivers: [
      { name: 'discard' },
      {
        name: WEBHOOK_RECEIVER,
        webhook_configs: [
          {
            url: webhookUrl(o.webhookBase, ALERTMANAGER_WEBHOOK_PATH),
            // `resolved` asks the incident to verify and finish (DESIGN §8).
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials_file: o.tokenFile } },
          },
        ],
      },
    ],
  };
  return (
    '# Written by `runbook config prometheus --out`: the runbook\'s alerts go to its webhook.\n' +
    `# The bearer token is read from ${o.tokenFile} (put RUNBOOK_WEBHOOK_TOKEN there, mode 0600).\n` +
    yaml.dump(doc, { lineWidth: 200 })
  );
}

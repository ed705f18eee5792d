// Custom search attributes, registered by the dev server, docker-compose and tests, and kept
// current by every procedure so operators can filter in the Web UI. Imports only
// @temporalio/common, so workflow code may use it too.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const RunbookProcedure = defineSearchAttributeKey('RunbookProcedure', SearchAttributeType.KEYWORD);
export const RunbookNode = defineSearchAttributeKey('RunbookNode', SearchAttributeType.KEYWORD);
export const RunbookAwaitingApproval = defineSearchAttributeKey('RunbookAwaitingApproval', SearchAttributeType.BOOL);
export const RunbookOutcome = defineSearchAttributeKey('RunbookOutcome', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [RunbookProcedure, RunbookNode, RunbookAwaitingApproval, RunbookOutcome];

const FLAG_TYPE: Record<string, string> = { KEYWORD: 'Keyword', BOOL: 'Bool' };

/** `--search-attribute NAME=Type` flags for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  return SEARCH_ATTRIBUTE_KEYS.flatMap((k) => ['--search-attribute', `${k.name}=${FLAG_TYPE[k.type] ?? k.type}`]);
}

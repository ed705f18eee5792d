// The postmortem draft, pure: decoded histories in, model and Markdown out (DESIGN §13).
// src/cli/commands/postmortem.ts fetches the histories; tests feed recorded ones.
import type proto from '@temporalio/proto';
import { childWorkflowIds, decodeHistory } from './history.js';
import { buildPostmortem, type Postmortem } from './model.js';
import { renderPostmortem } from './markdown.js';

export type { Postmortem } from './model.js';
export { childWorkflowIds, decodeHistory, buildPostmortem, renderPostmortem };

export type Histories = ReadonlyMap<string, proto.temporal.api.history.v1.IHistory>;

/** The model of `rootId` from raw histories (the root's and its descendants'). */
export function postmortemOf(rootId: string, histories: Histories): Postmortem {
  return buildPostmortem(rootId, [...histories].map(([id, h]) => decodeHistory(id, h)));
}

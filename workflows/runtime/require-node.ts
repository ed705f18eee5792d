// The node a node procedure (§4.1, §4.2, §4.5) acts on. Lives in the runtime so procedures never
// import each other.
import { ApplicationFailure } from '@temporalio/workflow';
import type { ProcedureInput } from '../../src/domain/procedure-input.js';

/** A node procedure without a node is a caller's bug: fail the run at once, never retry. */
export function requireNode(input: ProcedureInput): string {
  if (!input.node) throw ApplicationFailure.nonRetryable('this procedure needs input.node', 'MissingNodeError');
  return input.node;
}

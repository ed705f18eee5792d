// The type rule behind the `decide` update validator and the approve/reject signals: a hand-typed
// payload such as "approve": "false" must be refused, never read as a decision.
import { describe, expect, it } from 'vitest';
import { decisionProblem } from '../../workflows/runtime/decision-check.js';

describe('decisionProblem', () => {
  it('accepts well-typed decisions', () => {
    expect(decisionProblem({ approve: false, by: 'carol' }, true)).toBeUndefined();
    expect(decisionProblem({ approve: true, by: 'bob', step: 'approve x', comment: 'OPS-1' }, true)).toBeUndefined();
    expect(decisionProblem({ by: 'dave' }, false)).toBeUndefined();
  });

  it.each([
    [{ approve: 'false', by: 'm' }, /"approve" must be true or false .*the string "false"/],
    [{ approve: 1, by: 'm' }, /"approve" must be true or false .*number/],
    [{ by: 'm' }, /"approve" must be true or false .*nothing/],
    [{ approve: true }, /"by" is required/],
    [{ approve: true, by: '  ' }, /"by" must name who decides/],
    [{ approve: true, by: 7 }, /"by" must be a string, got number/],
    [{ approve: true, by: 'm', step: null }, /"step" must be a string, got null/],
    [{ approve: true, by: 'm', comment: { x: 1 } }, /"comment" must be a string, got object/],
    [{ approve: true, by: 'm'.repeat(1001) }, /"by" is longer than 1000/],
    ['approve', /must be an object/],
  ])('refuses %j', (d, message) => {
    expect(decisionProblem(d, true)).toMatch(message);
  });

  it('signals carry no "approve" field and are not asked for one', () => {
    expect(decisionProblem({ by: 'erin', approve: 'yes' }, false)).toBeUndefined();
    expect(decisionProblem({ by: '' }, false)).toMatch(/"by"/);
  });
});

// force-election (runbook §4.3). First the cheap, harmless way: POST /admin/trigger-election on
// a healthy node and wait for a leader. Only then, with approval, the runbook's second way,
// made quorum-safe: voters restart one at a time, each back before the next, and never when
// taking it down would leave fewer voters alive than a majority.
import { patched } from '@temporalio/workflow';
import type { ProcedureResult } from '../src/domain/procedure-input.js';
import { quorumShortfall } from '../src/domain/cluster-spec.js';
import { POLICY_DEFAULTS, PROCEDURE_DEFAULTS } from '../src/domain/defaults.js';
import { MAX_WAIT_MS, type RecoveryInput, recoveryOptions } from './recovery-input.js';
import { longRunning, quick } from './runtime/activities.js';
import { RemediationSlots } from './runtime/blast-radius.js';
import { unreachableGuard } from './runtime/guard.js';
import { type DaemonStep, restartDaemon, votersAlive } from './runtime/node-steps.js';
import { EscalationRequired } from './runtime/procedure.js';
import { runProcedure } from './runtime/run-procedure.js';

/** patched() id: the leader check asks the backbone and every voter at once and takes the majority. */
const MAJORITY_LEADER_PATCH = 'force-election-majority-leader';

export interface ForceElectionInput extends RecoveryInput {
  /** How long to wait for a leader after each attempt. */
  electionWaitMs?: number;
  /** §6.1 "no leader for >5 minutes": the whole procedure's limit. */
  leaderlessMs?: number;
}

/** The steps progress shows from the start. */
const PLAN = ['check leader', 'check cluster reachability', 'approve trigger election', 'trigger election', 'wait for leader', 'approve rolling voter restart'] as const;
/** Beyond the plan: each voter's restart in the rolling restart, under its name. */
type Step = (typeof PLAN)[number] | DaemonStep<`${string}: `>;

export async function forceElection(input: ForceElectionInput): Promise<ProcedureResult> {
  const opts = recoveryOptions(input);
  const electionWaitMs = Math.min(input.electionWaitMs ?? PROCEDURE_DEFAULTS.electionWaitMs, MAX_WAIT_MS);
  const leaderlessMs = input.leaderlessMs ?? POLICY_DEFAULTS.escalation.leaderlessMs;
  const limitMin = Math.round(leaderlessMs / 60_000);
  const deadline = Date.now() + leaderlessMs;
  // The loop restarts one voter at a time by construction; the slot keeps other procedures' changes out meanwhile.
  const slots = new RemediationSlots(opts.maxNodesRemediated, input.slotsWorkflowId);
  return runProcedure<Step>('force-election', input, PLAN, async (run) => {
    const info = await run.step('check leader', () => quick.clusterInfo({}));
    // The majority of the backbone and voters decides, not the first node that answers: a
    // partitioned node keeps naming the leader it last knew. Runs recorded before this change
    // asked node by node and replay that way.
    const majority = patched(MAJORITY_LEADER_PATCH);
    const seen = majority ? await quick.leaderView({}) : undefined;
    const current = seen ? seen.leader : await leaderNow(info.backbone, info.voters);
    if (current) {
      run.note('check leader', seen ? `leader ${current} (${seen.agreeing} of ${seen.answered} answering nodes agree)` : `leader ${current}`);
      return run.complete(`leader ${current} present; no election needed`);
    }
    run.note('check leader', seen ? `no leader (${seen.agreeing} of ${seen.answered} answering nodes agree)` : 'no leader');
    await unreachableGuard(run, opts.unreachableFraction);

    // §4.3 first way: ask a healthy node to hold an election. Harmless, so low risk.
    // A node that shares the majority view: a partitioned one would refuse the trigger.
    const healthy = majority ? (await quick.leaderView({})).connected[0] : await firstHealthy([info.backbone, ...info.voters]);
    if (healthy) {
      await run.approve('trigger election', 'low', `POST /admin/trigger-election on ${healthy} (§4.3)`);
      await run.step('trigger election', () => quick.triggerElection({ node: healthy }), {
        mutating: true,
        detail: `POST /admin/trigger-election on ${healthy}`,
      });
      if (run.dryRun) run.skip('wait for leader', 'dry run');
      else {
        const w = await run.step('wait for leader', () => longRunning.waitForLeader({ timeoutMs: electionWaitMs, intervalMs: 500 }));
        if (w.leader) {
          run.note('wait for leader', `leader ${w.leader} after ${w.polls} poll(s)`);
          return run.complete(`election triggered on ${healthy}; leader ${w.leader}`);
        }
        run.note('wait for leader', `no leader after ${w.polls} poll(s)`);
      }
    } else {
      run.skip('trigger election', majority ? 'no node that shares the majority view answers /status' : 'no node answers /status');
      run.skip('wait for leader', 'no election triggered');
    }

    // §4.3 second way, made quorum-safe. Past the §6.1 limit a human must take over instead.
    if (!run.dryRun && Date.now() > deadline) throw new EscalationRequired([`no leader within the §6.1 limit of ${limitMin} min`]);
    await run.approve(
      'rolling voter restart',
      'high',
      `restart P2P on the ${info.voters.length} voters one at a time (§4.3), keeping a majority alive`,
    );
    // The approver knows the cluster is leaderless and chose this; from here each voter is
    // bounded by its own verification, and no leader at the end escalates.
    for (const voter of info.voters) {
      const prefix = `${voter}: ` as const;
      let wasAlive = false;
      if (!run.dryRun) {
        wasAlive = (await votersAlive(info.voters)).includes(voter);
        if (!wasAlive && !(await sshAnswers(voter))) {
          run.skip(`${prefix}stop p2p daemon`, 'skipped: the voter answers on no address (host down?)');
          continue;
        }
      }
      let back: boolean | 'skipped';
      try {
        back = await slots.with(run, `${prefix}stop p2p daemon`, voter, opts.slotWaitMs, async () => {
          if (!run.dryRun) {
            // Measured under the slot, right before the stop: nothing else changed it since.
            const short = quorumShortfall(voter, info.voters, await votersAlive(info.voters));
            if (short) {
              run.skip(`${prefix}stop p2p daemon`, `skipped: ${short.alive}/${info.voters.length} voters alive, quorum needs ${short.quorum}`);
              return 'skipped' as const;
            }
          }
          return restartDaemon(run, voter, prefix, opts.verifyTimeoutMs);
        });
      } catch (err) {
        // A voter we cannot even log in to was not running anyway: the others may still elect.
        if (!(err instanceof EscalationRequired) || wasAlive) throw err;
        run.note(`${prefix}stop p2p daemon`, `unreachable, left alone: ${err.message}`);
        continue;
      }
      if (back === false) throw new EscalationRequired([`voter ${voter} did not come back after its restart; stopping the rolling restart`]);
      if (run.dryRun || back === 'skipped') continue;
      // Give the cluster a moment to elect before taking the next voter down.
      const w = await longRunning.waitForLeader({ timeoutMs: Math.min(electionWaitMs, 5_000), intervalMs: 500 });
      if (w.leader) return run.complete(`leader ${w.leader} after restarting voters up to ${voter}`);
    }
    if (run.dryRun) return run.complete('dry run: would trigger an election, then restart voters one at a time');
    const w = await longRunning.waitForLeader({ timeoutMs: electionWaitMs, intervalMs: 500 });
    if (w.leader) return run.complete(`leader ${w.leader} after a rolling restart of every voter`);
    throw new EscalationRequired(['no leader after triggering an election and restarting every voter']);
  });
}

/** Before MAJORITY_LEADER_PATCH: the first answering node's word (kept to replay old runs). */
async function leaderNow(backbone: string, voters: string[]): Promise<string | null> {
  for (const node of [backbone, ...voters.filter((v) => v !== backbone)].slice(0, 3)) {
    const r = await quick.p2pStatus({ node });
    if (r.ok && r.status) return r.status.leader_id;
  }
  return null;
}

/** Before MAJORITY_LEADER_PATCH: the first node that answers /status at all. */
async function firstHealthy(nodes: string[]): Promise<string | undefined> {
  for (const node of [...new Set(nodes)]) {
    const r = await quick.p2pStatus({ node });
    if (r.ok) return node;
  }
  return undefined;
}

async function sshAnswers(node: string): Promise<boolean> {
  const [p] = await quick.probeNodes({ nodes: [node] });
  return p?.checks.ssh.ok === true;
}



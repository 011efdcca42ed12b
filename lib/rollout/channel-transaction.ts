/**
 * The channel transaction of a rollout: the environment's tag is its desired
 * state, so it names the version while the version rolls out, and names
 * what runs again if the rollout does not end healthy. One owner for every
 * move of a channel tag a rollout makes:
 *
 * - `moveChannel()` points the tag at the version (unless it already names
 *   it: a tag someone else moved, being followed); with agent clusters in
 *   waves, each wave's tag `<env>.w<k>` moves as its wave starts instead and
 *   the environment's tag moves last, on `keep()`. When there is nothing to
 *   put the tag back to (the environment never ran the bundle whole) and no
 *   agent waits for it, it moves on `keep()` too: a registry cannot delete a
 *   tag, so one moved first would stay naming a version that never ran;
 * - `keep()`: the rollout ended healthy; the tag names the version, marked
 *   as Drover's (state/channel-marks.ts), so it is not taken for someone
 *   else's move;
 * - `putBack()`: it did not (or it was aborted); the tag goes back to what
 *   it named, or what the environment ran whole, unless someone moved it
 *   again meanwhile (that move is followed next); wave tags go back in
 *   reverse order, so their agents restore the previous version whole. It
 *   has its own time limit: it must run even while shutdown aborts the work.
 *
 * A plan with `channel.mode: 'follow'` (an agent) or without a channel (a
 * deploy to one cluster) writes no tag.
 *
 * @example
 *   const tx = await moveChannel({ plan, versions, waveTags: false });
 *   const r = await fanOut({ ..., beforeWave: tx.beforeWave });
 *   r.ok ? await tx.keep() : await tx.putBack();
 */
import { toDroverError } from '../errors/errors.ts';
import type { OnEvent } from '../progress.ts';
import type { BundleStore } from '../oci/index.ts';
import { waveTag } from '../protocol/agent-protocol.ts';
import type { ChannelResult } from './outcome.ts';
import type { PlannedChannel, RolloutPlan } from './plan.ts';

/** How long putting a tag back may take, whatever the work's own signal says. */
const PUT_BACK_MS = 10_000;

export interface ChannelTransaction {
  /** Before wave `k` (1-based) starts: with wave tags, the wave's tag moves to the version. */
  beforeWave: (wave: number) => Promise<void>;
  keep: () => Promise<void>;
  putBack: () => Promise<void>;
  /** What became of the environment's tag (undefined: no tag is written by this rollout). */
  result: () => ChannelResult | undefined;
}

const NOTHING: ChannelTransaction = {
  beforeWave: async () => {},
  keep: async () => {},
  putBack: async () => {},
  result: () => undefined,
};

export async function moveChannel({
  plan,
  versions,
  waveTags,
  agentsFollowTag,
  onEvent,
}: {
  plan: Pick<RolloutPlan, 'channel'>;
  versions: BundleStore;
  /** Agents of the environment follow wave tags (it has waves and agent clusters). */
  waveTags: boolean;
  /** Agents of the environment follow its tag itself (agent clusters, no waves): it must move before they can start. */
  agentsFollowTag: boolean;
  onEvent?: OnEvent | undefined;
}): Promise<ChannelTransaction> {
  const ch = plan.channel;
  if (!ch || ch.mode !== 'move') return NOTHING;
  const result: ChannelResult = {
    tag: ch.tag,
    ...(ch.names ? { from: ch.names } : {}),
    to: ch.to,
    moved: false,
    restored: false,
  };
  if (waveTags) return waveTransaction(ch, versions, result, onEvent);
  const moveLast = !ch.putBackTo && !agentsFollowTag;
  if (ch.names !== ch.to && !moveLast) await versions.moveChannel(ch.tag, ch.to);
  result.moved = ch.names === ch.to || !moveLast;
  let settled = false;
  return {
    beforeWave: async () => {},
    keep: async () => {
      settled = true;
      if (moveLast && ch.names !== ch.to)
        await versions.moveChannel(ch.tag, ch.to, { signal: AbortSignal.timeout(PUT_BACK_MS) });
      else versions.mark(ch.tag, ch.to);
      result.moved = true;
    },
    putBack: async () => {
      if (settled) return;
      settled = true;
      // Never moved: nothing to put back.
      if (moveLast && ch.names !== ch.to) return;
      await putTagBack(ch, versions, result);
    },
    result: () => result,
  };
}

/** The tag goes back where the plan says, if it still names the version; a tag left on it is said, never thrown. */
async function putTagBack(ch: PlannedChannel, versions: BundleStore, result: ChannelResult): Promise<void> {
  const signal = AbortSignal.timeout(PUT_BACK_MS);
  try {
    if (!ch.putBackTo) {
      // Nothing ran whole before and agents follow the tag: it stays on the version, known to Drover (quarantine keeps automation off it).
      versions.mark(ch.tag, ch.to);
      return;
    }
    if ((await versions.channel(ch.tag, { signal })) !== ch.to) return;
    await versions.moveChannel(ch.tag, ch.putBackTo, { signal });
    result.restored = true;
    result.moved = false;
  } catch (err) {
    versions.mark(ch.tag, ch.to);
    result.restoreError = toDroverError(err).message;
  }
}

function waveTransaction(
  ch: PlannedChannel,
  versions: BundleStore,
  result: ChannelResult,
  onEvent: OnEvent | undefined,
): ChannelTransaction {
  const moved: { tag: string; from: string | undefined }[] = [];
  return {
    beforeWave: async (wave) => {
      const tag = waveTag(ch.tag, wave);
      const from = await versions.tagged(tag);
      await versions.moveTag(tag, ch.to);
      moved.push({ tag, from });
      onEvent?.({ phase: 'agent', message: `moved ${tag} to ${ch.to.slice(0, 19)}` });
    },
    // The environment's tag moves last, once every wave is healthy.
    keep: async () => {
      await versions.moveChannel(ch.tag, ch.to, { signal: AbortSignal.timeout(PUT_BACK_MS) });
      result.moved = true;
    },
    putBack: async () => {
      try {
        for (const m of moved.reverse())
          if (m.from) await versions.moveTag(m.tag, m.from, { signal: AbortSignal.timeout(PUT_BACK_MS) });
        result.restored = true;
      } catch (err) {
        result.restoreError = toDroverError(err).message;
      }
    },
    result: () => result,
  };
}

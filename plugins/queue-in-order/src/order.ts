import type { Id, RoutingCandidate } from '@openline/sdk'

/**
 * Candidates in strict queue order, starting with those not yet offered this conversation:
 *  1. never offered this conversation, by queue `position` (then the order the core passed them in);
 *  2. then the already offered ones, the one offered longest ago first. When everybody has been
 *     offered this yields the wrap-around: the first in the queue again (it was offered first),
 *     then the second, … — provided `previousOffers` is chronological and a re-offer appends
 *     the agent again. Should the core de-duplicate the list instead, ties fall back to position.
 * O(n log n + m) for n candidates and m previous offers; O(n + m) when the core already passes
 * the candidates by position (the sort is skipped).
 */
export function orderInQueue (candidates: readonly RoutingCandidate[], previousOffers: readonly Id[]): Id[] {
  const n = candidates.length
  if (n === 0) return []
  const offeredAt = lastOfferIndex(previousOffers)

  const position = new Float64Array(n)
  const offered = new Float64Array(n)
  const fresh: number[] = []
  const again: number[] = []
  for (let i = 0; i < n; i++) {
    const c = candidates[i]
    position[i] = Number.isFinite(c.position) ? c.position : Number.MAX_SAFE_INTEGER
    const at = offeredAt.get(c.userId)
    if (at === undefined) {
      fresh.push(i)
    } else {
      offered[i] = at
      again.push(i)
    }
  }
  if (!isSortedBy(fresh, position)) fresh.sort((a, b) => compare(position[a], position[b]) || a - b)
  again.sort((a, b) => compare(offered[a], offered[b]) || compare(position[a], position[b]) || a - b)

  const out = new Array<Id>(n)
  let k = 0
  for (const i of fresh) out[k++] = candidates[i].userId
  for (const i of again) out[k++] = candidates[i].userId
  return out
}

/** userId → index of their latest offer in `previousOffers` (chronological, repeats allowed). */
export function lastOfferIndex (previousOffers: readonly Id[]): Map<Id, number> {
  const out = new Map<Id, number>()
  for (let i = 0; i < previousOffers.length; i++) out.set(previousOffers[i], i)
  return out
}

// Indexes are ascending by construction, so non-decreasing keys mean the stable order is already right.
function isSortedBy (indexes: readonly number[], key: Float64Array): boolean {
  for (let i = 1; i < indexes.length; i++) if (key[indexes[i - 1]] > key[indexes[i]]) return false
  return true
}

function compare (x: number, y: number): number {
  return x < y ? -1 : x > y ? 1 : 0
}

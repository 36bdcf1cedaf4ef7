import type { Id, RoutingCandidate } from '@openline/sdk'

/**
 * Candidates in the order the evenly strategy offers to them:
 *  1. not yet offered this conversation before already offered ones; among the already
 *     offered, the one offered longest ago first (so Skip/idle forwarding cycles through
 *     everyone instead of sticking to the least loaded agent who just declined);
 *  2. lowest share of capacity in use: `load / limit`; an agent without a limit counts as
 *     having the largest limit among the candidates (plain `load` when nobody has a limit);
 *  3. assigned longest ago (`lastAssignedAt`; never assigned = first);
 *  4. queue position, then the order the core passed the candidates in.
 * One pass to compute numeric keys, one sort of indexes: O(n log n + m) for n candidates and
 * m previous offers, no allocation per comparison.
 */
export function orderEvenly (candidates: readonly RoutingCandidate[], previousOffers: readonly Id[]): Id[] {
  const n = candidates.length
  if (n === 0) return []
  const offeredAt = lastOfferIndex(previousOffers)

  let largestLimit = 0
  for (const c of candidates) {
    if (c.limit !== null && c.limit > largestLimit) largestLimit = c.limit
  }
  const unlimitedCapacity = largestLimit > 0 ? largestLimit : 1

  const offered = new Float64Array(n)
  const share = new Float64Array(n)
  const since = new Float64Array(n)
  const position = new Float64Array(n)
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    const c = candidates[i]
    offered[i] = offeredAt.get(c.userId) ?? -1
    const capacity = c.limit !== null && c.limit > 0 ? c.limit : unlimitedCapacity
    share[i] = numberOr(c.load, 0) / capacity
    since[i] = timeOf(c.lastAssignedAt)
    position[i] = numberOr(c.position, Number.MAX_SAFE_INTEGER)
    order[i] = i
  }
  order.sort((a, b) =>
    compare(offered[a], offered[b]) ||
    compare(share[a], share[b]) ||
    compare(since[a], since[b]) ||
    compare(position[a], position[b]) ||
    a - b)

  const out = new Array<Id>(n)
  for (let i = 0; i < n; i++) out[i] = candidates[order[i]].userId
  return out
}

/** userId → index of their latest offer in `previousOffers` (chronological, repeats allowed). */
export function lastOfferIndex (previousOffers: readonly Id[]): Map<Id, number> {
  const out = new Map<Id, number>()
  for (let i = 0; i < previousOffers.length; i++) out.set(previousOffers[i], i)
  return out
}

function compare (x: number, y: number): number {
  return x < y ? -1 : x > y ? 1 : 0
}

function numberOr (value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback
}

// Never assigned sorts first. Accepts what a raw row might carry (ISO string) as well as a Date.
function timeOf (value: Date | string | null | undefined): number {
  if (value === null || value === undefined) return -Infinity
  const ms = value instanceof Date ? value.getTime() : Date.parse(value)
  return Number.isNaN(ms) ? -Infinity : ms
}

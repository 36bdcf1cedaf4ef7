import type { Id, RoutingCandidate } from '@openline/sdk'

/**
 * Every candidate, by queue `position` (then the order the core passed them in). The order
 * does not decide who gets the conversation — the first to take it does — but a stable order
 * keeps pushes and tests deterministic. O(n log n); O(n) when the core already passes the
 * candidates by position.
 */
export function orderByPosition (candidates: readonly RoutingCandidate[]): Id[] {
  const n = candidates.length
  const position = new Float64Array(n)
  let sorted = true
  for (let i = 0; i < n; i++) {
    const p = candidates[i].position
    position[i] = Number.isFinite(p) ? p : Number.MAX_SAFE_INTEGER
    if (i > 0 && position[i - 1] > position[i]) sorted = false
  }
  if (sorted) return candidates.map(c => c.userId)
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  order.sort((a, b) => (position[a] < position[b] ? -1 : position[a] > position[b] ? 1 : a - b))
  const out = new Array<Id>(n)
  for (let i = 0; i < n; i++) out[i] = candidates[order[i]].userId
  return out
}

import type { Tx } from '@openline/sdk'
import type { RoutingSettings } from './queueSettings.ts'
import { membersSql, loadsSql, byQueueOrder } from './candidates.ts'

/** A queue member as routing keeps it between passes. */
export interface QueueMember {
  userId: string
  position: number
  lastAssignedMs: number | null
}

/** One open channel's queue at the start of a pass. */
export interface QueueState {
  /** Members available by the database's rules (active, not absent, working when tracked), in queue order. */
  members: readonly QueueMember[]
  byId: ReadonlyMap<string, QueueMember>
  /** Conversations each member holds that count against the limit; members holding none are missing. */
  loads: ReadonlyMap<string, number>
}

export interface MemberCache {
  /**
   * The queue as the database has it now. The first pass of a channel reads every member; later
   * passes read only the changes recorded since (migration 0006), so their cost follows what
   * changed, not the size of the queue. Call under the channel's routing lock.
   */
  read: (tx: Tx, openChannelId: string, settings: RoutingSettings) => Promise<QueueState>
  /** Delete change rows no cache can still need (no-op until the process has run long enough). */
  prune: (tx: Tx) => Promise<void>
}

/**
 * Where the last read stopped, as its snapshot saw the transactions: every change row written by
 * a transaction still running then (`running`) or started since (id ≥ `next`) is still to read.
 * The rest committed before and was read then or earlier, whatever the commit order.
 */
interface LogPosition {
  next: string
  running: string[]
}

interface Entry {
  /** The settings and date the members were resolved for. */
  key: string
  position: LogPosition
  syncedAt: number
  members: QueueMember[]
  byId: Map<string, QueueMember>
}

/** A channel not routed for this long is read in full again (change rows are kept longer: see prune). */
const maxAgeMs = 10 * 60_000
/** Change rows are deleted once older than this (with margin for clocks of other instances). */
const keepMs = maxAgeMs + 5 * 60_000
/** More changed members than this in one pass: read the whole queue instead. */
const maxRefresh = 1000
const maxChannels = 1000

/** `{1,2,3}` for `any(?::bigint[])` (em.execute would expand a JS array into a list). */
const idArray = (ids: Iterable<string>): string => `{${[...ids].join(',')}}`

/** `now`: the clock deciding entry age and pruning (tests move it forward). */
export function createMemberCache (options: { now?: () => number } = {}): MemberCache {
  const now = options.now ?? Date.now
  const entries = new Map<string, Entry>()
  // Oldest running transaction seen over time, oldest first: rows older than one seen `keepMs` ago serve no cache.
  const marks: { at: number, oldest: string }[] = []

  const remember = (openChannelId: string, entry: Entry, oldest: string): void => {
    entries.delete(openChannelId)
    entries.set(openChannelId, entry)
    if (entries.size > maxChannels) entries.delete(entries.keys().next().value as string)
    const last = marks[marks.length - 1]
    if (last === undefined || entry.syncedAt - last.at >= 60_000) marks.push({ at: entry.syncedAt, oldest })
  }

  async function readAll (tx: Tx, openChannelId: string, settings: RoutingSettings): Promise<{ members: QueueMember[], byId: Map<string, QueueMember> }> {
    const rows = await tx.query<{ user_id: string, position: number, last_assigned_ms: number | null }>(membersSql(settings), [openChannelId, openChannelId])
    const members = rows.map(toMember).sort(byQueueOrder)
    return { members, byId: new Map(members.map(m => [m.userId, m])) }
  }

  /** Re-resolve these users only; the queue order is rebuilt only if someone joined, left or moved. */
  async function refresh (tx: Tx, openChannelId: string, settings: RoutingSettings, entry: Entry, userIds: Set<string>): Promise<void> {
    const ids = idArray(userIds)
    const rows = await tx.query<{ user_id: string, position: number, last_assigned_ms: number | null }>(membersSql(settings, true), [openChannelId, ids, openChannelId, ids])
    const found = new Map(rows.map(r => [r.user_id, toMember(r)]))
    let reorder = false
    for (const userId of userIds) {
      const before = entry.byId.get(userId)
      const after = found.get(userId)
      if (before === undefined && after === undefined) continue
      if (before === undefined || after === undefined || before.position !== after.position) {
        reorder = true
        if (after === undefined) entry.byId.delete(userId)
        else entry.byId.set(userId, after)
      } else {
        before.lastAssignedMs = after.lastAssignedMs
      }
    }
    if (reorder) entry.members = [...entry.byId.values()].sort(byQueueOrder)
  }

  return {
    async read (tx, openChannelId, settings) {
      const cached = entries.get(openChannelId)
      const since = cached !== undefined && now() - cached.syncedAt < maxAgeMs ? cached.position : null
      // One statement, one snapshot: where the next read starts, the changes since the last, the loads.
      // Both lookups of the change rows use the xid index, however long a transaction stays open.
      const [probe] = await tx.query<{ oldest: string, next: string, running: string[], today: string, changes: [string | null, string | null, number | null][] | null, loads: [string, number][] | null }>(`
        select pg_snapshot_xmin(s.s)::text as oldest, pg_snapshot_xmax(s.s)::text as next,
          array(select x::text from pg_snapshot_xip(s.s) x) as running, current_date::text as today,
          (select json_agg(json_build_array(r.open_channel_id::text, r.user_id::text, floor(extract(epoch from r.assigned_at) * 1000)::float8))
             from routing_changes r where (r.xid >= ?::xid8 or r.xid = any(?::xid8[])) and (r.open_channel_id is null or r.open_channel_id = ?)) as changes,
          (select json_agg(json_build_array(l.user_id, l.load)) from (${loadsSql(settings)}) l) as loads
        from (select pg_current_snapshot() as s) s`,
      [since?.next ?? null, since === null ? '{}' : idArray(since.running), openChannelId, openChannelId])
      const position: LogPosition = { next: probe.next, running: probe.running }
      const loads = new Map(probe.loads ?? [])
      const key = `${settings.checkAvailability ? 1 : 0}${settings.timeTracking ? 1 : 0} ${probe.today}`
      const changes = probe.changes ?? []
      const syncedAt = now()

      const users = new Set<string>()
      const assigned = new Map<string, number>()
      let whole = cached === undefined || since === null || cached.key !== key
      for (const [channel, user, at] of changes) {
        if (channel !== null) whole = true
        else if (user !== null && at === null) users.add(user)
        else if (user !== null && at !== null) assigned.set(user, Math.max(at, assigned.get(user) ?? at))
      }
      if (whole || users.size > maxRefresh) {
        const all = await readAll(tx, openChannelId, settings)
        const entry: Entry = { key, position, syncedAt, ...all }
        remember(openChannelId, entry, probe.oldest)
        return { members: entry.members, byId: entry.byId, loads }
      }
      const entry = cached as Entry
      if (users.size > 0) await refresh(tx, openChannelId, settings, entry, users)
      // An assignment moves last_assigned_at forward only; rows may be read twice, so keep the latest.
      for (const [userId, at] of assigned) {
        const m = users.has(userId) ? undefined : entry.byId.get(userId)
        if (m !== undefined && (m.lastAssignedMs === null || at > m.lastAssignedMs)) m.lastAssignedMs = at
      }
      entry.position = position
      entry.syncedAt = syncedAt
      remember(openChannelId, entry, probe.oldest)
      return { members: entry.members, byId: entry.byId, loads }
    },

    async prune (tx) {
      const cutoff = now() - keepMs
      let mark: { at: number, oldest: string } | undefined
      while (marks.length > 0 && marks[0].at <= cutoff) mark = marks.shift()
      if (mark === undefined) return
      await tx.query('delete from routing_changes where xid < ?::xid8', [mark.oldest])
    }
  }
}

function toMember (r: { user_id: string, position: number, last_assigned_ms: number | null }): QueueMember {
  return { userId: r.user_id, position: Number(r.position), lastAssignedMs: r.last_assigned_ms === null ? null : Number(r.last_assigned_ms) }
}

import type { RoutingCandidate, Tx } from '@openline/sdk'
import type { RoutingSettings } from './queueSettings.ts'

/** SQL condition: conversations of alias `c` that count against the assignee's limit (B5). */
export function countedCondition (settings: RoutingSettings): string {
  const exclude = new Set(settings.limit.exclude)
  const parts = [exclude.has('closing') ? "c.status = 'assigned'" : "c.status in ('assigned', 'closing')"]
  if (exclude.has('answered')) parts.push('c.first_response_at is null')
  if (exclude.has('waitingForClient')) parts.push('not (c.last_agent_message_at is not null and c.last_agent_message_at >= coalesce(c.last_client_message_at, \'-infinity\'))')
  return parts.join(' and ')
}

/**
 * SQL: the queue's members resolved now (departments expanded: someone who joined later is
 * included), active and — when availability is checked — not absent today and, with time
 * tracking, working. Parameters: the open channel twice; with `someUsers`, the channel and a
 * `{1,2}` user id array, twice. Columns: user_id, position, last_assigned_ms (epoch ms: no
 * timestamp text to parse).
 */
export function membersSql (settings: RoutingSettings, someUsers = false): string {
  const availability = settings.checkAvailability
    ? `and not exists (select 1 from user_absences a where a.user_id = u.id and current_date between a.starts_on and a.ends_on)
       ${settings.timeTracking ? "and exists (select 1 from user_workdays w where w.user_id = u.id and w.state = 'working')" : ''}`
    : ''
  return `
    with members as (
      select qm.position, qm.user_id from queue_members qm
       where qm.open_channel_id = ? and qm.user_id is not null ${someUsers ? 'and qm.user_id = any(?::bigint[])' : ''}
      union all
      select qm.position, dm.user_id from queue_members qm join department_members dm on dm.department_id = qm.department_id
       where qm.open_channel_id = ? and qm.department_id is not null ${someUsers ? 'and dm.user_id = any(?::bigint[])' : ''}
    ), ranked as (select user_id, min(position) as position from members group by user_id)
    select r.user_id::text as user_id, r.position, floor(extract(epoch from u.last_assigned_at) * 1000)::float8 as last_assigned_ms
      from ranked r join users u on u.id = r.user_id
     where u.active ${availability}`
}

/**
 * SQL (one `?`: the open channel): conversations per assignee that count against the limit. One
 * pass over the channel's open conversations: the cost follows the work in progress, not the
 * size of the queue.
 */
export function loadsSql (settings: RoutingSettings): string {
  return `select c.assignee_id::text as user_id, count(*)::int as load from conversations c
           where c.open_channel_id = ? and c.assignee_id is not null and ${countedCondition(settings)} group by c.assignee_id`
}

export interface MemberRow {
  userId: string
  position: number
  lastAssignedAt: Date | null
  load: number
}

/** Queue order: position, then user id (numerically: ids are decimal strings without leading zeros). */
export function byQueueOrder (a: { position: number, userId: string }, b: { position: number, userId: string }): number {
  return a.position - b.position || a.userId.length - b.userId.length || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0)
}

/**
 * Every member available by the database's rules, with their load, read in full (the routing
 * status). Routing passes read the same through their cache (memberCache.ts).
 */
export async function queueMembers (tx: Tx, openChannelId: string, settings: RoutingSettings): Promise<MemberRow[]> {
  const rows = await tx.query<{ user_id: string, position: number, last_assigned_ms: number | null, load: number }>(`
    select m.user_id, m.position, m.last_assigned_ms, coalesce(l.load, 0) as load
      from (${membersSql(settings)}) m left join (${loadsSql(settings)}) l on l.user_id = m.user_id`, [openChannelId, openChannelId, openChannelId])
  const members = rows.map(r => ({ userId: r.user_id, position: Number(r.position), lastAssignedAt: r.last_assigned_ms === null ? null : new Date(Number(r.last_assigned_ms)), load: Number(r.load) }))
  return members.sort(byQueueOrder)
}

/** What one routing pass knows besides the members: limit, loads, assignments made in the pass, presence. */
export interface PassState {
  limit: number | null
  loadOf: (userId: string) => number
  /** Assigned during this pass (epoch ms), ahead of the cached value. */
  assignedNow: ReadonlyMap<string, number>
  /** Null: availability is not checked. */
  isOnline: ((userId: string) => boolean) | null
}

/** Can this member take one more conversation now (online when checked, under the limit)? */
export function canTakeMore (userId: string, pass: PassState): boolean {
  return (pass.isOnline === null || pass.isOnline(userId)) && (pass.limit === null || pass.loadOf(userId) < pass.limit)
}

/** The candidates of one decision: members in queue order who can take more; `position` is the rank among them. */
export function candidatesOf (members: readonly { userId: string, lastAssignedMs: number | null }[], pass: PassState): RoutingCandidate[] {
  const out: RoutingCandidate[] = []
  for (const m of members) {
    if (!canTakeMore(m.userId, pass)) continue
    const assigned = pass.assignedNow.get(m.userId) ?? m.lastAssignedMs
    out.push({ userId: m.userId, position: out.length, load: pass.loadOf(m.userId), limit: pass.limit, lastAssignedAt: assigned === null ? null : new Date(assigned) })
  }
  return out
}

/** SQL (one `?`: the open channel): does the queue resolve to any user at all, available or not? */
export const queueResolvesToAnyone = `select exists (
  select 1 from queue_members qm left join department_members dm on dm.department_id = qm.department_id
   where qm.open_channel_id = ? and coalesce(qm.user_id, dm.user_id) is not null) as listed`

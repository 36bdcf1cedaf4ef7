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

export interface MemberRow {
  userId: string
  position: number
  lastAssignedAt: Date | null
  load: number
}

/**
 * Queue members resolved now (departments expanded: someone who joined later is included),
 * active and — when availability is checked — not absent today and, with time tracking, working.
 */
export async function queueMembers (tx: Tx, openChannelId: string, settings: RoutingSettings): Promise<MemberRow[]> {
  const availability = settings.checkAvailability
    ? `and not exists (select 1 from user_absences a where a.user_id = u.id and current_date between a.starts_on and a.ends_on)
       ${settings.timeTracking ? "and exists (select 1 from user_workdays w where w.user_id = u.id and w.state = 'working')" : ''}`
    : ''
  // Plain numbers out (epoch ms: no timestamp text to parse) and the queue order sorted here, not
  // in SQL: with thousands of members both cost less in this process (scripts/bench/routing.ts).
  const rows = await tx.query<{ user_id: string, position: number, last_assigned_ms: number | null, load: number }>(`
    with members as (
      select qm.position, qm.user_id from queue_members qm where qm.open_channel_id = ? and qm.user_id is not null
      union all
      select qm.position, dm.user_id from queue_members qm join department_members dm on dm.department_id = qm.department_id
       where qm.open_channel_id = ? and qm.department_id is not null
    ), ranked as (select user_id, min(position) as position from members group by user_id),
    -- One pass over the channel's open conversations, not one probe per member: the cost follows
    -- the conversations in progress, not the size of the queue.
    loads as (select c.assignee_id, count(*)::int as load from conversations c
               where c.open_channel_id = ? and c.assignee_id is not null and ${countedCondition(settings)} group by c.assignee_id)
    select r.user_id::text as user_id, r.position, floor(extract(epoch from u.last_assigned_at) * 1000)::float8 as last_assigned_ms, coalesce(l.load, 0) as load
      from ranked r join users u on u.id = r.user_id left join loads l on l.assignee_id = r.user_id
     where u.active ${availability}`, [openChannelId, openChannelId, openChannelId])
  const members = rows.map(r => ({ userId: r.user_id, position: Number(r.position), lastAssignedAt: r.last_assigned_ms === null ? null : new Date(Number(r.last_assigned_ms)), load: Number(r.load) }))
  // Queue order: position, then user id (numerically: ids are decimal strings without leading zeros).
  return members.sort((a, b) => a.position - b.position || a.userId.length - b.userId.length || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
}

/** Members who can take one more conversation now. */
export function withCapacity (members: MemberRow[], settings: RoutingSettings, online: Set<string> | null): RoutingCandidate[] {
  const limit = settings.limit.enabled ? settings.limit.maxConversations : null
  return members
    .filter(m => (online === null || online.has(m.userId)) && (limit === null || m.load < limit))
    .map((m, i) => ({ userId: m.userId, position: i, load: m.load, limit, lastAssignedAt: m.lastAssignedAt }))
}

/** SQL (one `?`: the open channel): does the queue resolve to any user at all, available or not? */
export const queueResolvesToAnyone = `select exists (
  select 1 from queue_members qm left join department_members dm on dm.department_id = qm.department_id
   where qm.open_channel_id = ? and coalesce(qm.user_id, dm.user_id) is not null) as listed`

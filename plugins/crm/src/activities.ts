// Activities on a built-in record (I5, I6): the chat log of a conversation (one per record and
// conversation, refreshed when saved again), form answers and staff notes.
import type { Id, PluginContext, Tx } from '@openline/sdk'
import { date, rows, type Row } from './db.ts'
import type { RecordKind } from './records.ts'

export type ActivityKind = 'chat' | 'form' | 'note'

export interface Activity {
  id: Id
  recordKind: RecordKind
  recordId: Id
  kind: ActivityKind
  body: string
  answers: Record<string, unknown> | null
  conversationId: Id | null
  authorUserId: Id | null
  createdAt: Date
  updatedAt: Date
}

const columns = 'id::text, record_kind, record_id::text, kind, body, answers, conversation_id::text, author_id::text, created_at, updated_at'

function toActivity (r: Row): Activity {
  return {
    id: r.id, recordKind: r.record_kind, recordId: r.record_id, kind: r.kind, body: r.body, answers: r.answers ?? null,
    conversationId: r.conversation_id ?? null, authorUserId: r.author_id ?? null, createdAt: date(r.created_at) as Date, updatedAt: date(r.updated_at) as Date
  }
}

/** The conversation's chat log on the record: created, or replaced by the newer transcript. */
export async function saveChatLog (tx: Tx, record: { kind: RecordKind, id: Id }, conversationId: Id, transcript: string): Promise<Activity> {
  const [row] = await tx.query(
    `insert into crm_activities (record_kind, record_id, kind, body, conversation_id) values (?, ?, 'chat', ?, ?)
     on conflict (record_kind, record_id, conversation_id) where kind = 'chat' do update set body = excluded.body, updated_at = now()
     returning ${columns}`, [record.kind, record.id, transcript, conversationId])
  return toActivity(row)
}

export async function addActivity (tx: Tx, record: { kind: RecordKind, id: Id }, input: { kind: 'form' | 'note', body: string, answers?: Record<string, unknown> | null, conversationId?: Id | null, authorUserId?: Id | null }): Promise<Activity> {
  const [row] = await tx.query(
    `insert into crm_activities (record_kind, record_id, kind, body, answers, conversation_id, author_id) values (?, ?, ?, ?, ?::jsonb, ?, ?) returning ${columns}`,
    [record.kind, record.id, input.kind, input.body, input.answers === undefined || input.answers === null ? null : JSON.stringify(input.answers), input.conversationId ?? null, input.authorUserId ?? null])
  return toActivity(row)
}

/** A record's activities, newest first, from before `beforeId` when given. */
export async function activitiesOf (ctx: PluginContext<any>, record: { kind: RecordKind, id: Id }, first: number, beforeId: Id | null): Promise<Activity[]> {
  const list = await rows(ctx,
    `select ${columns} from crm_activities where record_kind = ? and record_id = ? ${beforeId === null ? '' : 'and id < ?'} order by id desc limit ${first}`,
    beforeId === null ? [record.kind, record.id] : [record.kind, record.id, beforeId])
  return list.map(toActivity)
}

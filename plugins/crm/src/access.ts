// Who sees and changes CRM records. Supervisors (history scope "all") see everything; others see
// the records they are responsible for and those of clients whose conversations they may see
// (J1), and change only their own.
import type { AuthUser, Id, PluginContext } from '@openline/sdk'
import { forbidden, notFound, rows } from './db.ts'
import { readRecord, type CrmRecord, type RecordKind } from './records.ts'

export const seesAll = (user: AuthUser): boolean => user.permissions.viewHistory === 'all'

export async function maySeeConversation (ctx: PluginContext<any>, user: AuthUser, conversationId: Id): Promise<boolean> {
  try {
    await ctx.conversations.visibleTo(user, conversationId)
    return true
  } catch {
    return false
  }
}

/** Whether the user may see one of the client's recent conversations (their CRM data goes with them). */
export async function maySeeClient (ctx: PluginContext<any>, user: AuthUser, clientId: Id): Promise<boolean> {
  if (seesAll(user)) return true
  const recent = await rows<{ id: string }>(ctx, 'select id::text from conversations where client_id = ? order by id desc limit 20', [clientId])
  for (const c of recent) if (await maySeeConversation(ctx, user, c.id)) return true
  return false
}

export async function maySeeRecord (ctx: PluginContext<any>, user: AuthUser, record: CrmRecord): Promise<boolean> {
  if (seesAll(user) || record.responsibleUserId === user.id) return true
  if (record.conversationId !== null && await maySeeConversation(ctx, user, record.conversationId)) return true
  return record.clientId !== null && await maySeeClient(ctx, user, record.clientId)
}

/** The record if the user may see it, else OL_NOT_FOUND (its existence is not told). */
export async function visibleRecord (ctx: PluginContext<any>, user: AuthUser, kind: RecordKind, id: Id): Promise<CrmRecord> {
  const record = await readRecord(ctx, kind, id)
  if (record === null || !await maySeeRecord(ctx, user, record)) throw notFound(`CRM ${kind}`)
  return record
}

/** The record if the user may change it: its responsible person or a supervisor. */
export async function editableRecord (ctx: PluginContext<any>, user: AuthUser, kind: RecordKind, id: Id): Promise<CrmRecord> {
  const record = await visibleRecord(ctx, user, kind, id)
  if (!seesAll(user) && record.responsibleUserId !== user.id) throw forbidden(`Only the responsible person or a supervisor may change this ${kind}`)
  return record
}

// The CRM following a conversation through its life: opened (I1/I3), new client data (I3 again),
// the first agent answer (responsible), a manual transfer (I4), closed (I5). Each subscriber runs
// after the core's commit as its own durable job and is idempotent.
import { coreEvents, subscribe, type CrmRecordRef, type Id, type PluginContext, type Subscriber, type Tx } from '@openline/sdk'
import { learnFromText, resolveConversation, scopeOf, type CrmScope } from './flow.ts'
import { linkRecord, linksOfConversation } from './links.ts'

/** I3 at open: what the client wrote so far may already hold their phone or e-mail. */
async function onOpened (payload: { conversationId: Id }, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  const scope = await scopeOf(ctx, payload.conversationId, tx)
  if (scope === null) return
  const written = await tx.query<{ body: string }>("select body from messages where conversation_id = ? and author_kind = 'client' order by id limit 20", [payload.conversationId])
  for (const m of written) await learnFromText(tx, scope.conversation.clientId, m.body)
  await resolveConversation(ctx, tx, scope)
}

/** A lead waiting for contact data looks at every new client message. */
async function onMessageReceived (payload: { conversationId: Id, messageId: Id }, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  const [state] = await tx.query<{ pending: string | null }>('select pending from crm_conversation_state where conversation_id = ?', [payload.conversationId])
  if (state?.pending !== 'lead') return
  const scope = await scopeOf(ctx, payload.conversationId, tx)
  if (scope === null) return
  const message = await ctx.messages.get(payload.messageId, tx)
  if (message !== null) await learnFromText(tx, scope.conversation.clientId, message.body)
  await resolveConversation(ctx, tx, scope)
}

/** Records made from the chat before anyone accepted it belong to the agent who answers first. */
async function onAgentMessage (payload: { conversationId: Id, messageId: Id, authorKind: string, visibility: string }, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  if (payload.authorKind !== 'agent' || payload.visibility !== 'public') return
  const waiting = (await linksOfConversation(ctx, payload.conversationId, tx)).filter(l => l.createdHere && (l.ref.responsibleUserId ?? null) === null)
  if (waiting.length === 0) return
  const message = await ctx.messages.get(payload.messageId, tx)
  const scope = await scopeOf(ctx, payload.conversationId, tx)
  if (message?.authorUserId === null || message === null || scope === null) return
  await setResponsible(tx, scope, waiting.map(l => l.ref), message.authorUserId)
}

async function setResponsible (tx: Tx, scope: CrmScope, refs: CrmRecordRef[], userId: Id): Promise<void> {
  const { adapter, settings, conversation } = scope
  if (adapter.setResponsible === undefined) return
  for (const ref of refs) {
    await adapter.setResponsible({ record: ref, userId, settings: settings.adapterSettings, tx })
    await linkRecord(tx, conversation.id, adapter.id, { ...ref, responsibleUserId: userId }, true)
  }
}

/**
 * I4: a manual transfer (the core's internal note with meta.action 'transfer' from the previous to
 * the new assignee) makes the new agent responsible for the leads and deals made from this chat.
 * Records found for a known client (older ones) keep their responsible person.
 */
async function onAssigned (payload: { conversationId: Id, assigneeId: Id | null, previousAssigneeId: Id | null }, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  if (payload.assigneeId === null || payload.previousAssigneeId === null) return
  const [note] = await tx.query<{ id: string }>(
    `select id::text from messages where conversation_id = ? and author_kind = 'system' and visibility = 'internal'
        and meta->>'action' = 'transfer' and meta->>'fromUserId' = ? and meta->>'toUserId' = ? limit 1`,
    [payload.conversationId, payload.previousAssigneeId, payload.assigneeId])
  if (note === undefined) return
  const scope = await scopeOf(ctx, payload.conversationId, tx)
  if (scope === null || !scope.settings.changeResponsibleOnTransfer) return
  const made = (await linksOfConversation(ctx, payload.conversationId, tx))
    .filter(l => l.createdHere && l.adapter === scope.adapter.id && (l.ref.kind === 'lead' || l.ref.kind === 'deal') && l.ref.responsibleUserId !== payload.assigneeId)
  await setResponsible(tx, scope, made.map(l => l.ref), payload.assigneeId)
}

/** I5: attach the chat log (as the client saw it: no internal notes) to every record of the conversation. */
export async function saveChatLogs (ctx: PluginContext<any>, tx: Tx, scope: CrmScope): Promise<CrmRecordRef[]> {
  const links = (await linksOfConversation(ctx, scope.conversation.id, tx)).filter(l => l.adapter === scope.adapter.id)
  if (links.length === 0) return []
  const transcript = await ctx.conversations.transcript(scope.conversation.id, tx)
  for (const link of links) await scope.adapter.saveActivity({ record: link.ref, conversationId: scope.conversation.id, transcript, settings: scope.settings.adapterSettings, tx })
  return links.map(l => l.ref)
}

async function onStatusChanged (payload: { conversationId: Id, to: string }, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  if (payload.to !== 'closed') return
  const scope = await scopeOf(ctx, payload.conversationId, tx)
  if (scope === null || !scope.settings.saveChatOnClose) return
  await saveChatLogs(ctx, tx, scope)
}

export const lifecycleSubscribers: Subscriber[] = [
  subscribe(coreEvents.conversationOpened, onOpened),
  subscribe(coreEvents.messageReceived, onMessageReceived),
  subscribe(coreEvents.messageCreated, onAgentMessage),
  subscribe(coreEvents.conversationAssigned, onAssigned),
  subscribe(coreEvents.conversationStatusChanged, onStatusChanged)
]


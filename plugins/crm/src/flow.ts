// A conversation meets the CRM: find the client's records (I1) or, for an unknown client, create a
// lead or deal or offer to (I3), per the open channel's `crm` group. Every path runs in one
// transaction holding the conversation's state row, so it happens once however often it is asked.
import type { ConversationRecord, CrmAdapter, CrmRecordRef, Id, PluginContext, Tx } from '@openline/sdk'
import { builtinAdapterId, crmSettingsOf, type CrmSettings } from './settings.ts'
import { adapterOf, linkRecord, linksOfConversation, type LinkedRecord } from './links.ts'
import { clientProfile, hasNameAndContact, recordFacts, type ClientProfile } from './facts.ts'
import { contactsInText } from './normalize.ts'
import { acceptedAgent, sourceOf } from './conversations.ts'
import { contactColumns, refOf, toRecord } from './records.ts'
import type { Row } from './db.ts'

export interface CrmScope {
  conversation: ConversationRecord
  settings: CrmSettings
  adapter: CrmAdapter
}

/** The conversation with its channel's CRM settings and adapter; null when the CRM is off there. */
export async function scopeOf (ctx: PluginContext<any>, conversationId: Id, tx?: Tx): Promise<CrmScope | null> {
  const conversation = await ctx.conversations.get(conversationId, tx)
  if (conversation === null) return null
  const settings = await crmSettingsOf(ctx, conversation.openChannelId, tx)
  if (settings === null || !settings.enabled) return null
  const adapter = adapterOf(ctx, settings)
  return adapter === null ? null : { conversation, settings, adapter }
}

export interface ConversationState { pending: 'lead' | null, offered: boolean }

/** The conversation's state row, locked until the transaction ends. */
export async function lockState (tx: Tx, conversationId: Id): Promise<ConversationState> {
  await tx.query('insert into crm_conversation_state (conversation_id) values (?) on conflict do nothing', [conversationId])
  const [row] = await tx.query<{ pending: 'lead' | null, offered: boolean }>('select pending, offered from crm_conversation_state where conversation_id = ? for update', [conversationId])
  return { pending: row.pending, offered: row.offered }
}

async function setState (tx: Tx, conversationId: Id, state: Partial<ConversationState>): Promise<void> {
  if (state.pending !== undefined) await tx.query('update crm_conversation_state set pending = ?, updated_at = now() where conversation_id = ?', [state.pending, conversationId])
  if (state.offered !== undefined) await tx.query('update crm_conversation_state set offered = ?, updated_at = now() where conversation_id = ?', [state.offered, conversationId])
}

/** Phones and e-mails the client wrote (I3: "a later message provides them") become facts of the client. */
export async function learnFromText (tx: Tx, clientId: Id, text: string): Promise<void> {
  const found = contactsInText(text)
  await recordFacts(tx, clientId, found, 'message')
}

/**
 * Create a lead or deal for the conversation's client through the channel's adapter and link it.
 * `responsibleUserId`: who is responsible; by default the agent who accepted the conversation.
 */
export async function createRecord (ctx: PluginContext<any>, tx: Tx, scope: CrmScope, kind: 'lead' | 'deal', options: { responsibleUserId?: Id | null, profile?: ClientProfile } = {}): Promise<CrmRecordRef> {
  const { conversation, adapter, settings } = scope
  const profile = options.profile ?? await clientProfile(ctx, conversation.clientId, tx)
  if (profile === null) throw new Error(`crm: conversation ${conversation.id} has no client`)
  let ref = await adapter.createRecord({ client: profile.client, kind, source: await sourceOf(tx, conversation.id), conversationId: conversation.id, settings: settings.adapterSettings, tx })
  const responsible = options.responsibleUserId !== undefined ? options.responsibleUserId : await acceptedAgent(tx, conversation.id)
  if (responsible !== null && responsible !== (ref.responsibleUserId ?? null) && adapter.setResponsible !== undefined) {
    await adapter.setResponsible({ record: ref, userId: responsible, settings: settings.adapterSettings, tx })
    ref = { ...ref, responsibleUserId: responsible }
  }
  await linkRecord(tx, conversation.id, adapter.id, ref, true)
  if (adapter.id === builtinAdapterId && kind === 'deal') await linkDealContact(tx, conversation.id, ref.id)
  return ref
}

/** A built-in deal comes with the client's contact: the conversation belongs to both (its chat log goes on both). */
async function linkDealContact (tx: Tx, conversationId: Id, dealId: Id): Promise<void> {
  const [contact] = await tx.query<Row>(`select ${contactColumns} from crm_contacts where id = (select contact_id from crm_deals where id = ?)`, [dealId])
  if (contact === undefined) return
  const record = toRecord('contact', contact)
  await linkRecord(tx, conversationId, builtinAdapterId, refOf(record), record.conversationId === conversationId)
}

const offerNote = 'This client is not in the CRM yet. Create a lead or a deal for them from this conversation.'

/**
 * I1 then I3 for a conversation that has no CRM record yet. Returns its records afterwards (none
 * while a lead waits for a name and contact data, or an agent is offered to create one).
 */
export async function resolveConversation (ctx: PluginContext<any>, tx: Tx, scope: CrmScope, options: { responsibleUserId?: Id | null } = {}): Promise<LinkedRecord[]> {
  const { conversation, settings, adapter } = scope
  const state = await lockState(tx, conversation.id)
  const links = await linksOfConversation(ctx, conversation.id, tx)
  if (links.length > 0) return links
  const profile = await clientProfile(ctx, conversation.clientId, tx)
  if (profile === null) return []
  if (settings.recognise) {
    const found = await adapter.findClient({ client: profile.client, settings: settings.adapterSettings, tx })
    if (found !== null) {
      await linkRecord(tx, conversation.id, adapter.id, found, false)
      if (state.pending !== null) await setState(tx, conversation.id, { pending: null })
      return linksOfConversation(ctx, conversation.id, tx)
    }
  }
  switch (settings.unknownClient) {
    case 'lead':
      // The seeds: a lead only once the person gave a name and a phone or e-mail; until then, wait.
      if (!hasNameAndContact(profile)) {
        if (state.pending !== 'lead') await setState(tx, conversation.id, { pending: 'lead' })
        return []
      }
      await createRecord(ctx, tx, scope, 'lead', { ...options, profile })
      if (state.pending !== null) await setState(tx, conversation.id, { pending: null })
      break
    case 'deal':
      await createRecord(ctx, tx, scope, 'deal', { ...options, profile })
      break
    case 'offer':
      if (!state.offered) {
        await ctx.sendMessage({ conversationId: conversation.id, body: offerNote, authorKind: 'system', visibility: 'internal', meta: { crm: { offer: ['lead', 'deal'] } } }, tx)
        await setState(tx, conversation.id, { offered: true })
      }
      return []
    case 'none':
      return []
  }
  return linksOfConversation(ctx, conversation.id, tx)
}

// Storing a filled-in form (E2, I6), all in one transaction: the person's name, phone and e-mail
// become facts of the client and update their contact (which may recognise them, I1, or complete a
// waiting lead, I3), the answers go on the conversation's CRM records as a form activity, the send
// is marked, and staff get an internal note. Any failure stores nothing.
import { OpenlineError, errorCodes, type Id, type PluginContext, type Tx } from '@openline/sdk'
import { recordFacts, clientProfile } from '../facts.ts'
import { resolveConversation, scopeOf, type CrmScope } from '../flow.ts'
import { linkRecord, linksOfConversation } from '../links.ts'
import { contactForClient, mergeIntoContact, refOf } from '../records.ts'
import { addActivity } from '../activities.ts'
import { acceptedAgent } from '../conversations.ts'
import { builtinAdapterId } from '../settings.ts'
import { answersText, checkAnswers, type CheckedAnswers } from './answers.ts'
import type { FormField } from './definitions.ts'
import { formSettingsOf, type FormSettings } from './strategy.ts'
import { sendOfToken, type FormsRuntime } from './sends.ts'

export const expiredCode = 'OL_CRM_FORM_EXPIRED'

export function expired (): OpenlineError {
  return new OpenlineError(expiredCode, 'This form link has expired', { statusCode: 410 })
}

export function alreadySubmitted (): OpenlineError {
  return new OpenlineError(errorCodes.conflict, 'This form was already filled in', { statusCode: 409 })
}

interface StoreInput {
  conversationId: Id
  title: string
  fields: FormField[]
  answers: CheckedAnswers
  settings: FormSettings | null
  sendId: Id | null
}

/** Who becomes responsible for records the form makes or completes (I6). */
async function responsibleFor (tx: Tx, conversationId: Id, settings: FormSettings | null): Promise<Id | null> {
  const accepted = await acceptedAgent(tx, conversationId)
  if (settings === null || settings.responsibleIsAcceptingAgent) return accepted
  return settings.responsibleUserId ?? accepted
}

async function updateBuiltinRecords (ctx: PluginContext<any>, tx: Tx, scope: CrmScope, answers: CheckedAnswers): Promise<void> {
  const { name, phone, email } = answers.contact
  const data = { client: { name }, phones: phone === null ? [] : [phone], emails: email === null ? [] : [email] }
  for (const link of await linksOfConversation(ctx, scope.conversation.id, tx)) {
    if (link.adapter !== builtinAdapterId) continue
    if (link.ref.kind === 'contact') await mergeIntoContact(tx, link.ref.id, data, { replaceName: name !== null })
    if (link.ref.kind === 'lead' && link.createdHere) {
      await tx.query(
        `update crm_leads set name = coalesce(?::text, name), phones = array(select distinct unnest(phones || array(select jsonb_array_elements_text(?::jsonb)))),
           emails = array(select distinct unnest(emails || array(select jsonb_array_elements_text(?::jsonb)))), updated_at = now() where id = ?`,
        [name, JSON.stringify(data.phones), JSON.stringify(data.emails), link.ref.id])
    }
  }
}

export async function storeAnswers (ctx: PluginContext<any>, tx: Tx, input: StoreInput): Promise<void> {
  if (input.sendId !== null) {
    const marked = await tx.query('update crm_form_sends set submitted_at = now(), answers = ?::jsonb where id = ? and submitted_at is null returning id', [JSON.stringify(input.answers.values), input.sendId])
    if (marked.length === 0) throw alreadySubmitted()
  }
  const conversation = await ctx.conversations.get(input.conversationId, tx)
  if (conversation === null) throw new OpenlineError(errorCodes.notFound, 'Conversation not found', { statusCode: 404 })
  const { name, phone, email } = input.answers.contact
  await recordFacts(tx, conversation.clientId, { name, phones: phone === null ? [] : [phone], emails: email === null ? [] : [email] }, 'form')
  const text = answersText(input.fields, input.answers.values)
  const scope = await scopeOf(ctx, conversation.id, tx)
  if (scope !== null) {
    const responsible = await responsibleFor(tx, conversation.id, input.settings)
    let links = await resolveConversation(ctx, tx, scope, { responsibleUserId: responsible })
    if (links.length === 0 && scope.adapter.id === builtinAdapterId) {
      // The person gave their details: keep them on a contact even when no lead or deal is made.
      const profile = await clientProfile(ctx, conversation.clientId, tx)
      if (profile !== null) {
        const contact = await contactForClient(tx, profile, { responsibleUserId: responsible, conversationId: conversation.id })
        await linkRecord(tx, conversation.id, builtinAdapterId, refOf(contact), true)
      }
    }
    if (scope.adapter.id === builtinAdapterId) await updateBuiltinRecords(ctx, tx, scope, input.answers)
    links = await linksOfConversation(ctx, conversation.id, tx)
    for (const link of links.filter(l => l.adapter === scope.adapter.id)) {
      if (responsible !== null && link.createdHere && (link.ref.responsibleUserId ?? null) === null && scope.adapter.setResponsible !== undefined) {
        await scope.adapter.setResponsible({ record: link.ref, userId: responsible, settings: scope.settings.adapterSettings, tx })
        await linkRecord(tx, conversation.id, scope.adapter.id, { ...link.ref, responsibleUserId: responsible }, true)
      }
      if (scope.adapter.id === builtinAdapterId) {
        await addActivity(tx, { kind: link.ref.kind as 'contact' | 'lead' | 'deal', id: link.ref.id }, { kind: 'form', body: `${input.title}\n${text}`, answers: input.answers.values, conversationId: conversation.id })
      } else {
        await scope.adapter.saveActivity({ record: link.ref, conversationId: conversation.id, transcript: `Form "${input.title}"\n${text}`, settings: scope.settings.adapterSettings, tx })
      }
    }
  }
  await ctx.sendMessage({
    conversationId: conversation.id,
    body: `The client filled in the form "${input.title}":\n${text}`,
    authorKind: 'system',
    visibility: 'internal',
    meta: { crm: { formSendId: input.sendId, answers: input.answers.values } }
  }, tx)
}

/** A form post or the widget: the token's send, the answers checked, then stored. */
export async function submitByToken (runtime: FormsRuntime, token: string, raw: Record<string, unknown>): Promise<void> {
  const ctx = runtime.ctx()
  const found = await sendOfToken(runtime, token)
  if (found.status === 'notFound') throw new OpenlineError(errorCodes.notFound, 'Unknown form link', { statusCode: 404 })
  if (found.status === 'expired') throw expired()
  if (found.send.submittedAt !== null) throw alreadySubmitted()
  const answers = checkAnswers(found.send.fields, raw)
  await ctx.transaction(async (tx) => {
    const conversation = await ctx.conversations.get(found.send.conversationId, tx)
    const channel = conversation === null ? null : await ctx.openChannel(conversation.openChannelId, tx)
    await storeAnswers(ctx, tx, {
      conversationId: found.send.conversationId,
      title: found.send.title,
      fields: found.send.fields,
      answers,
      settings: channel === null ? null : formSettingsOf(channel.groups),
      sendId: found.send.id
    })
  })
}

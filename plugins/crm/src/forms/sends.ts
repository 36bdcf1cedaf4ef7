// Sending a form in a conversation (the agent's action, or by itself per the channel's settings)
// and finding the send a link names. The message carries a link button; channels without buttons
// show the link in the text.
import type { Id, MessageRecord, PluginContext, Tx } from '@openline/sdk'
import { date, rows, type Row } from '../db.ts'
import type { FormDefinition, FormField } from './definitions.ts'
import { formSettingsDefaults, type FormSettings } from './strategy.ts'
import { parseToken, signToken, signatureMatches } from './token.ts'

export interface FormsRuntime {
  ctx: () => PluginContext<any>
  secret: () => string
  ttlHours: () => number
  /** Fields of the forms this instance read or wrote last, for `CrmForm.fields` (which must answer at once). */
  fieldsCache: Map<Id, FormField[]>
}

export interface FormSend {
  id: Id
  formId: Id
  conversationId: Id
  title: string
  fields: FormField[]
  auto: boolean
  expiresAt: Date
  submittedAt: Date | null
}

const columns = 'id::text, form_id::text, conversation_id::text, title, fields, auto, expires_at, submitted_at'

function toSend (r: Row): FormSend {
  return { id: r.id, formId: r.form_id, conversationId: r.conversation_id, title: r.title, fields: r.fields, auto: r.auto, expiresAt: date(r.expires_at) as Date, submittedAt: date(r.submitted_at) }
}

export const formUrl = (runtime: FormsRuntime, token: string): string => `${runtime.ctx().config.publicUrl.replace(/\/+$/, '')}/plugins/crm/forms/${token}`

/**
 * Send `form` in the conversation. An automatic send happens once per conversation: null when one
 * was already made. `userId` is the agent sending it (none: a system message).
 */
export async function sendForm (runtime: FormsRuntime, tx: Tx, input: { conversationId: Id, form: FormDefinition, auto: boolean, userId: Id | null, settings: FormSettings | null }): Promise<{ send: FormSend, url: string, message: MessageRecord } | null> {
  const expiresAt = Math.floor(Date.now() / 1000) + runtime.ttlHours() * 3600
  const [row] = await tx.query(
    `insert into crm_form_sends (form_id, conversation_id, title, fields, auto, sent_by, expires_at) values (?, ?, ?, ?::jsonb, ?, ?, to_timestamp(?))
     ${input.auto ? 'on conflict (conversation_id) where auto do nothing' : ''} returning ${columns}`,
    [input.form.id, input.conversationId, input.form.title, JSON.stringify(input.form.fields), input.auto, input.userId, expiresAt])
  if (row === undefined) return null
  const send = toSend(row)
  const token = signToken(runtime.secret(), { sendId: send.id, conversationId: send.conversationId, formId: send.formId, expiresAt })
  const url = formUrl(runtime, token)
  const texts = input.settings ?? formSettingsDefaults
  const message = await runtime.ctx().sendMessage({
    conversationId: input.conversationId,
    body: `${texts.messageText.replaceAll('{form}', input.form.title)}\n${url}`,
    authorKind: input.userId === null ? 'system' : 'agent',
    authorUserId: input.userId,
    // The token lets a client that can draw forms (the web-chat widget) render it in place; messengers use the link.
    meta: { buttons: [{ text: texts.buttonText, url }], crm: { formSendId: send.id, formToken: token } }
  }, tx)
  return { send, url, message }
}

export type SendLookup = { status: 'ok', send: FormSend } | { status: 'notFound' } | { status: 'expired' }

/** The send a token names: unknown for anything unsigned or altered, expired once its time is up. */
export async function sendOfToken (runtime: FormsRuntime, token: string, tx?: Tx): Promise<SendLookup> {
  const parsed = parseToken(token)
  if (parsed === null) return { status: 'notFound' }
  const [row] = await rows(runtime.ctx(), `select ${columns} from crm_form_sends where id = ?${tx === undefined ? '' : ' for update'}`, [parsed.sendId], tx)
  if (row === undefined) return { status: 'notFound' }
  const send = toSend(row)
  // The expiry is the token's own (signed): it cannot be pushed back without the key.
  const binding = { sendId: send.id, conversationId: send.conversationId, formId: send.formId, expiresAt: parsed.expiresAt }
  if (!signatureMatches(runtime.secret(), binding, parsed.signature)) return { status: 'notFound' }
  return parsed.expiresAt * 1000 <= Date.now() ? { status: 'expired' } : { status: 'ok', send }
}

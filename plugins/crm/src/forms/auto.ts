// E2: the channel's form sent by itself — when the conversation opens (before the dialog) or right
// after the first answer the client gets — once per conversation.
import { coreEvents, subscribe, type Id, type Subscriber, type Tx } from '@openline/sdk'
import { readForm } from './definitions.ts'
import { formSettingsOf, type FormSettings } from './strategy.ts'
import { sendForm, type FormsRuntime } from './sends.ts'

async function sendAuto (runtime: FormsRuntime, tx: Tx, conversationId: Id, when: FormSettings['show']): Promise<void> {
  const ctx = runtime.ctx()
  const conversation = await ctx.conversations.get(conversationId, tx)
  if (conversation === null || conversation.status === 'closed' || conversation.status === 'closing') return
  const channel = await ctx.openChannel(conversation.openChannelId, tx)
  const settings = channel === null ? null : formSettingsOf(channel.groups)
  if (settings === null || settings.show !== when || settings.formId === null) return
  const form = await readForm(ctx, settings.formId, tx)
  if (form === null || form.archived) return
  await sendForm(runtime, tx, { conversationId, form, auto: true, userId: null, settings })
}

export function autoSendSubscribers (runtime: FormsRuntime): Subscriber[] {
  return [
    subscribe(coreEvents.conversationOpened, async ({ conversationId }, tx) => sendAuto(runtime, tx, conversationId, 'beforeDialog')),
    subscribe(coreEvents.messageCreated, async ({ conversationId, authorKind, visibility }, tx) => {
      if ((authorKind !== 'agent' && authorKind !== 'bot') || visibility !== 'public') return
      // Cheap test first: most messages come long after a form went out (an agent's own form message included).
      const [sent] = await tx.query('select 1 from crm_form_sends where conversation_id = ? limit 1', [conversationId])
      if (sent === undefined) await sendAuto(runtime, tx, conversationId, 'afterFirstMessage')
    })
  ]
}

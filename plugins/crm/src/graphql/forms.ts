// Staff API of CRM forms: admins define them; agents send one in a conversation (E2, I6).
import { OpenlineError, errorCodes, type AgentContext, type PluginContext, type Resolvers } from '@openline/sdk'
import { checkId, invalid } from '../db.ts'
import { checkForm, insertForm, listForms, readForm, updateForm, type FormDefinition, type FormInput } from '../forms/definitions.ts'
import { formSettingsOf } from '../forms/strategy.ts'
import { sendForm, type FormsRuntime } from '../forms/sends.ts'

export function formResolvers (ctx: PluginContext<any>, runtime: FormsRuntime): Resolvers {
  const remember = (form: FormDefinition): FormDefinition => {
    runtime.fieldsCache.set(form.id, form.fields)
    return form
  }
  return {
    Query: {
      crmForms: async (_: unknown, args: { includeArchived: boolean }, context: AgentContext) => {
        context.requireUser()
        return (await listForms(ctx, args.includeArchived)).map(remember)
      }
    },
    Mutation: {
      createCrmForm: async (_: unknown, args: { input: FormInput }, context: AgentContext) => {
        const user = context.requirePermission('manageOpenChannels')
        const form = checkForm(args.input)
        return remember(await ctx.transaction(tx => insertForm(tx, form, user.id)))
      },
      updateCrmForm: async (_: unknown, args: { id: string, input: FormInput }, context: AgentContext) => {
        context.requirePermission('manageOpenChannels')
        const id = checkId(args.id, '/id')
        const form = checkForm(args.input)
        return remember(await ctx.transaction(tx => updateForm(tx, id, form)))
      },
      archiveCrmForm: async (_: unknown, args: { id: string, archived: boolean }, context: AgentContext) => {
        context.requirePermission('manageOpenChannels')
        return remember(await ctx.transaction(tx => updateForm(tx, checkId(args.id, '/id'), { archived: args.archived })))
      },
      sendCrmForm: async (_: unknown, args: { conversationId: string, formId?: string | null }, context: AgentContext) => {
        const user = context.requireUser()
        const conversation = await ctx.conversations.visibleTo(user, checkId(args.conversationId, '/conversationId'))
        if (conversation.status === 'closed' || conversation.status === 'closing') throw new OpenlineError(errorCodes.conflict, 'The conversation is closed', { statusCode: 409 })
        const channel = await ctx.openChannel(conversation.openChannelId)
        const settings = channel === null ? null : formSettingsOf(channel.groups)
        const formId = args.formId ?? settings?.formId ?? null
        if (formId === null) throw invalid([{ path: '/formId', message: 'choose a form: the open channel has none' }])
        const form = await readForm(ctx, checkId(formId, '/formId'))
        if (form === null || form.archived) throw invalid([{ path: '/formId', message: 'no form with this id' }])
        remember(form)
        const sent = await ctx.transaction(tx => sendForm(runtime, tx, { conversationId: conversation.id, form, auto: false, userId: user.id, settings }))
        if (sent === null) throw new Error('a form sent by an agent is never de-duplicated')
        return { id: sent.send.id, formId: form.id, conversationId: conversation.id, url: sent.url, expiresAt: sent.send.expiresAt, messageId: sent.message.id }
      }
    }
  }
}

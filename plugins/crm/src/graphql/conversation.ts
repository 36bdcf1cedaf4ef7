// The CRM inside a conversation: its records (batched over a list), and the agent's actions —
// create a lead or deal (I3 offer), Save to CRM and attach the chat log (I5).
import { OpenlineError, errorCodes, perRequestBatch, type AgentContext, type AuthUser, type CrmRecordRef, type PluginContext, type Resolvers } from '@openline/sdk'
import { checkId, invalid } from '../db.ts'
import { createRecord, lockState, scopeOf, type CrmScope } from '../flow.ts'
import { linksOf, linksOfConversation, type LinkedRecord } from '../links.ts'
import { saveChatLogs } from '../lifecycle.ts'
import { clientProfile, hasNameAndContact } from '../facts.ts'

export interface RefOut extends CrmRecordRef { adapter: string, createdFromConversation: boolean }

const out = (link: LinkedRecord): RefOut => ({ ...link.ref, adapter: link.adapter, createdFromConversation: link.createdHere })

function crmOff (): OpenlineError {
  return new OpenlineError(errorCodes.conflict, 'The CRM is off for this open channel', { statusCode: 409 })
}

export function conversationResolvers (ctx: PluginContext<any>): Resolvers {
  const loadRefs = perRequestBatch<RefOut[]>(async (ids) => {
    const links = await linksOf(ctx, ids)
    return new Map([...links].map(([id, list]) => [id, list.map(out)]))
  })

  /** The conversation's CRM scope, for a user who may see it. */
  async function scopeFor (user: AuthUser, conversationId: string): Promise<CrmScope> {
    await ctx.conversations.visibleTo(user, checkId(conversationId, '/conversationId'))
    const scope = await scopeOf(ctx, conversationId)
    if (scope === null) throw crmOff()
    return scope
  }

  return {
    Conversation: {
      crm: async (conversation: { id: string }, _: unknown, context: object) => (await loadRefs(context, conversation.id)) ?? []
    },
    Mutation: {
      createCrmRecordFromConversation: async (_: unknown, args: { conversationId: string, kind: 'lead' | 'deal' }, context: AgentContext) => {
        const user = context.requireUser()
        const scope = await scopeFor(user, args.conversationId)
        if (args.kind !== 'lead' && args.kind !== 'deal') throw invalid([{ path: '/kind', message: 'lead or deal' }])
        return ctx.transaction(async (tx) => {
          await lockState(tx, scope.conversation.id)
          const profile = await clientProfile(ctx, scope.conversation.clientId, tx)
          if (profile === null) throw new OpenlineError(errorCodes.notFound, 'Client not found', { statusCode: 404 })
          if (args.kind === 'lead') {
            // The seeds: a lead only with the person's name and a phone or e-mail.
            if (!hasNameAndContact(profile)) throw invalid([{ path: '/kind', message: 'a lead needs the client\'s name and a phone or e-mail: send a CRM form first' }])
            const existing = (await linksOfConversation(ctx, scope.conversation.id, tx)).find(l => l.createdHere && l.ref.kind === 'lead')
            if (existing !== undefined) throw new OpenlineError(errorCodes.conflict, 'A lead was already made from this conversation', { statusCode: 409 })
          }
          const ref = await createRecord(ctx, tx, scope, args.kind, { responsibleUserId: user.id, profile })
          await tx.query('update crm_conversation_state set pending = null, updated_at = now() where conversation_id = ?', [scope.conversation.id])
          return { ...ref, adapter: scope.adapter.id, createdFromConversation: true }
        })
      },
      saveConversationToCrm: async (_: unknown, args: { conversationId: string }, context: AgentContext) => {
        const user = context.requireUser()
        const scope = await scopeFor(user, args.conversationId)
        return ctx.transaction(async (tx) => {
          await lockState(tx, scope.conversation.id)
          const ref = await createRecord(ctx, tx, scope, 'deal', { responsibleUserId: user.id })
          await saveChatLogs(ctx, tx, scope)
          return { ...ref, adapter: scope.adapter.id, createdFromConversation: true }
        })
      },
      saveCrmActivity: async (_: unknown, args: { conversationId: string }, context: AgentContext) => {
        const user = context.requireUser()
        const scope = await scopeFor(user, args.conversationId)
        return ctx.transaction(async (tx) => {
          const saved = await saveChatLogs(ctx, tx, scope)
          if (saved.length === 0) throw new OpenlineError(errorCodes.conflict, 'This conversation has no CRM record yet: create one or save it to the CRM', { statusCode: 409 })
          return (await linksOfConversation(ctx, scope.conversation.id, tx)).filter(l => l.adapter === scope.adapter.id).map(out)
        })
      }
    }
  }
}

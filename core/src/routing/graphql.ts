import mercurius from 'mercurius'
import { OpenlineError, errorCodes, type AuthUser, type GraphQLExtension } from '@openline/sdk'
import type { AgentGraphQLContext, Core } from '../core.ts'
import { conversationColumns, toConversationRecord } from '../records.ts'
import { topics } from '../topics.ts'
import { checkId } from '../ids.ts'
import { visibleConversation } from '../conversations/graphql.ts'
import { readRoutingSettings } from './queueSettings.ts'
import { queueMembers, queueResolvesToAnyone } from './candidates.ts'

const { withFilter } = mercurius

const typeDefs = `
  enum WorkdayState { working paused ended }
  enum OfferState { open accepted skipped expired withdrawn }

  type Offer { conversation: Conversation!, exclusive: Boolean!, offeredAt: DateTime!, expiresAt: DateTime }
  type OfferEvent { conversationId: ID!, userId: ID!, state: OfferState! }
  type Absence { id: ID!, userId: ID!, startsOn: String!, endsOn: String!, reason: String }
  type AgentAvailability { userId: ID!, active: Boolean!, online: Boolean!, absentToday: Boolean!, workday: WorkdayState }
  "Whether the open channel can distribute conversations now, and if not, why (B8)."
  type RoutingStatus { ready: Boolean!, reason: String, members: Int!, available: Int! }

  extend type Conversation {
    "When the assignee answered; null while the assignment is still an offer."
    acceptedAt: DateTime
    "Why a queued conversation waits: noStrategy, noMembers, noAgentsAvailable, allAgentsBusy, channelInactive."
    waitingReason: String
    "1 = next to be assigned; null unless queued."
    queuePosition: Int
  }
  extend type OpenChannel { routingStatus: RoutingStatus! }

  extend type Query {
    "Conversations offered to the signed-in agent and not yet answered."
    myOffers: [Offer!]!
    agentAvailability(userIds: [ID!]!): [AgentAvailability!]!
    absences(userId: ID!): [Absence!]!
  }
  extend type Mutation {
    "Answer (take) an offered conversation."
    answerConversation(id: ID!): Conversation!
    "Pass an offered conversation to the next agent."
    skipConversation(id: ID!): Boolean!
    closeConversation(id: ID!): Conversation!
    startWorkday: WorkdayState!
    pauseWorkday: WorkdayState!
    endWorkday: WorkdayState!
    "Vacation or other absence (dates inclusive, yyyy-mm-dd). Agents for themselves; user managers for anyone."
    addAbsence(userId: ID!, startsOn: String!, endsOn: String!, reason: String): Absence!
    removeAbsence(id: ID!): Boolean!
  }
  extend type Subscription {
    "The signed-in agent's offers as they are made, taken, skipped, expired or withdrawn."
    offerChanged: OfferEvent!
    "Conversation state changes (status, assignee) the user may see."
    conversationUpdated(conversationId: ID): Conversation!
  }
`

const datePattern = /^\d{4}-\d{2}-\d{2}$/


function checkDate (value: unknown, path: string): string {
  const ok = typeof value === 'string' && datePattern.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)
  if (!ok) throw new OpenlineError(errorCodes.validation, `Invalid date at ${path}`, { fields: [{ path, message: 'must be a real date yyyy-mm-dd' }] })
  return value as string
}

const execute = (core: Core, sql: string, params: unknown[] = []): Promise<Record<string, any>[]> => (core.orm.em.fork() as any).execute(sql, params)

async function setWorkday (ctx: AgentGraphQLContext, state: 'working' | 'paused' | 'ended'): Promise<string> {
  const user = ctx.requireUser()
  await ctx.core.transaction(async (tx) => {
    const [current] = await tx.query<{ state: string }>('select state from user_workdays where user_id = ? for update', [user.id])
    if (state === 'paused' && current?.state !== 'working') throw new OpenlineError(errorCodes.conflict, 'Start your working day before pausing it')
    if (state === 'ended' && (current === undefined || current.state === 'ended')) throw new OpenlineError(errorCodes.conflict, 'Your working day has not started')
    await tx.query(`insert into user_workdays (user_id, state, started_at) values (?, ?, now())
                    on conflict (user_id) do update set state = excluded.state, changed_at = now(),
                      started_at = case when user_workdays.state = 'ended' then now() else user_workdays.started_at end`, [user.id, state])
  })
  if (state === 'working') await ctx.core.routing.requestRouteForUser(user.id)
  return state
}

function canManageAbsences (user: AuthUser, userId: string): boolean {
  return user.id === userId || user.permissions.manageUsers
}

const resolvers = {
  Conversation: {
    async acceptedAt (conv: { id: string, acceptedAt?: Date | null }, _: unknown, ctx: AgentGraphQLContext) {
      if (conv.acceptedAt !== undefined) return conv.acceptedAt
      const [row] = await execute(ctx.core, 'select accepted_at from conversations where id = ?', [conv.id])
      return row?.accepted_at ?? null
    },
    async waitingReason (conv: { id: string }, _: unknown, ctx: AgentGraphQLContext) {
      const [row] = await execute(ctx.core, "select waiting_reason from conversations where id = ? and status = 'queued'", [conv.id])
      return row?.waiting_reason ?? null
    },
    async queuePosition (conv: { id: string }, _: unknown, ctx: AgentGraphQLContext) {
      const [row] = await execute(ctx.core, `select (select count(*)::int from conversations w where w.open_channel_id = c.open_channel_id and w.status = 'queued'
                                                     and (w.queued_at, w.id) < (c.queued_at, c.id)) + 1 as position
                                               from conversations c where c.id = ? and c.status = 'queued'`, [conv.id])
      return row?.position ?? null
    }
  },
  OpenChannel: {
    async routingStatus (channel: { id: string, active: boolean, queueStrategy: string | null }, _: unknown, ctx: AgentGraphQLContext) {
      ctx.requireUser()
      const [row] = await execute(ctx.core, "select settings->'queue' as routing from open_channels where id = ?", [channel.id])
      const settings = readRoutingSettings(row?.routing)
      const members = await ctx.core.transaction(tx => queueMembers(tx, channel.id, settings))
      const online = settings.checkAvailability ? await ctx.core.presence.online(members.map(m => m.userId)) : null
      const available = members.filter(m => online === null || online.has(m.userId)).length
      const [{ listed }] = await execute(ctx.core, queueResolvesToAnyone, [channel.id])
      const reason = !channel.active ? 'channelInactive' : channel.queueStrategy === null || ctx.core.registry.queueStrategies.get(channel.queueStrategy) === undefined ? 'noStrategy' : !listed ? 'noMembers' : available === 0 ? 'noAgentsAvailable' : null
      return { ready: reason === null, reason, members: members.length, available }
    }
  },
  Query: {
    async myOffers (_: unknown, __: unknown, ctx: AgentGraphQLContext) {
      const user = ctx.requireUser()
      const rows = await execute(ctx.core, `select ${conversationColumns.split(', ').map(c => 'c.' + c).join(', ')}, o.exclusive, o.offered_at, o.expires_at
          from conversation_offers o join conversations c on c.id = o.conversation_id
         where o.user_id = ? and o.state = 'open' and c.status in ('queued', 'assigned') order by o.offered_at`, [user.id])
      return rows.map(r => ({ conversation: toConversationRecord(r), exclusive: r.exclusive, offeredAt: r.offered_at, expiresAt: r.expires_at }))
    },
    async agentAvailability (_: unknown, args: { userIds: string[] }, ctx: AgentGraphQLContext) {
      ctx.requireUser()
      if (args.userIds.length > 500) throw new OpenlineError(errorCodes.validation, 'At most 500 users at once', { fields: [{ path: '/userIds', message: 'at most 500' }] })
      const ids = args.userIds.map((id, i) => checkId(id, `/userIds/${i}`))
      if (ids.length === 0) return []
      const rows = await execute(ctx.core, `select u.id::text as id, u.active,
            exists (select 1 from user_absences a where a.user_id = u.id and current_date between a.starts_on and a.ends_on) as absent,
            (select w.state from user_workdays w where w.user_id = u.id) as workday
          from users u where u.id in (${ids.map(() => '?').join(', ')})`, ids)
      const online = await ctx.core.presence.online(rows.map(r => r.id))
      return rows.map(r => ({ userId: r.id, active: r.active, online: online.has(r.id), absentToday: r.absent, workday: r.workday }))
    },
    async absences (_: unknown, args: { userId: string }, ctx: AgentGraphQLContext) {
      const user = ctx.requireUser()
      const userId = checkId(args.userId, '/userId')
      if (!canManageAbsences(user, userId) && user.permissions.viewHistory !== 'all') throw new OpenlineError(errorCodes.forbidden, 'You may not see this user\'s absences', { statusCode: 403 })
      const rows = await execute(ctx.core, "select id::text, user_id::text, to_char(starts_on, 'YYYY-MM-DD') as starts_on, to_char(ends_on, 'YYYY-MM-DD') as ends_on, reason from user_absences where user_id = ? order by starts_on", [userId])
      return rows.map(r => ({ id: r.id, userId: r.user_id, startsOn: r.starts_on, endsOn: r.ends_on, reason: r.reason }))
    }
  },
  Mutation: {
    answerConversation: (_: unknown, args: { id: string }, ctx: AgentGraphQLContext) => ctx.core.routing.answer(ctx.requireUser(), checkId(args.id, '/id')),
    async skipConversation (_: unknown, args: { id: string }, ctx: AgentGraphQLContext) {
      await ctx.core.routing.skip(ctx.requireUser(), checkId(args.id, '/id'))
      return true
    },
    closeConversation: (_: unknown, args: { id: string }, ctx: AgentGraphQLContext) => ctx.core.routing.close(ctx.requireUser(), checkId(args.id, '/id'), 'closedByAgent'),
    startWorkday: (_: unknown, __: unknown, ctx: AgentGraphQLContext) => setWorkday(ctx, 'working'),
    pauseWorkday: (_: unknown, __: unknown, ctx: AgentGraphQLContext) => setWorkday(ctx, 'paused'),
    endWorkday: (_: unknown, __: unknown, ctx: AgentGraphQLContext) => setWorkday(ctx, 'ended'),
    async addAbsence (_: unknown, args: { userId: string, startsOn: string, endsOn: string, reason?: string }, ctx: AgentGraphQLContext) {
      const user = ctx.requireUser()
      const userId = checkId(args.userId, '/userId')
      if (!canManageAbsences(user, userId)) throw new OpenlineError(errorCodes.forbidden, 'You may not set absences for this user', { statusCode: 403 })
      const startsOn = checkDate(args.startsOn, '/startsOn')
      const endsOn = checkDate(args.endsOn, '/endsOn')
      if (endsOn < startsOn) throw new OpenlineError(errorCodes.validation, 'An absence ends on or after its start', { fields: [{ path: '/endsOn', message: 'must not be before startsOn' }] })
      if (args.reason !== undefined && args.reason !== null && args.reason.length > 500) throw new OpenlineError(errorCodes.validation, 'Reason too long', { fields: [{ path: '/reason', message: 'at most 500 characters' }] })
      const [row] = await execute(ctx.core, "insert into user_absences (user_id, starts_on, ends_on, reason) values (?, ?, ?, ?) returning id::text, user_id::text, to_char(starts_on, 'YYYY-MM-DD') as starts_on, to_char(ends_on, 'YYYY-MM-DD') as ends_on, reason",
        [userId, startsOn, endsOn, args.reason ?? null])
      return { id: row.id, userId: row.user_id, startsOn: row.starts_on, endsOn: row.ends_on, reason: row.reason }
    },
    async removeAbsence (_: unknown, args: { id: string }, ctx: AgentGraphQLContext) {
      const user = ctx.requireUser()
      const [row] = await execute(ctx.core, 'select user_id::text from user_absences where id = ?', [checkId(args.id, '/id')])
      if (row === undefined) throw new OpenlineError(errorCodes.notFound, 'Absence not found', { statusCode: 404 })
      if (!canManageAbsences(user, row.user_id)) throw new OpenlineError(errorCodes.forbidden, 'You may not change this user\'s absences', { statusCode: 403 })
      await execute(ctx.core, 'delete from user_absences where id = ?', [args.id])
      // Back at work: whatever waits may go to them now.
      await ctx.core.routing.requestRouteForUser(row.user_id)
      return true
    }
  },
  Subscription: {
    offerChanged: {
      subscribe: withFilter(
        (_: unknown, _args: Record<string, never>, ctx: any) => {
          if (ctx.user == null) throw new OpenlineError(errorCodes.unauthenticated, 'Sign in first')
          return ctx.pubsub.subscribe(topics.offers)
        },
        (payload: { offerChanged: { userId: string } }, _args: Record<string, never>, ctx: any) => payload.offerChanged.userId === ctx.user.id)
    },
    conversationUpdated: {
      subscribe: withFilter(
        (_: unknown, _args: { conversationId?: string }, ctx: any) => {
          if (ctx.user == null) throw new OpenlineError(errorCodes.unauthenticated, 'Sign in first')
          return ctx.pubsub.subscribe(topics.conversations)
        },
        async (payload: { conversationUpdated: { id: string } }, args: { conversationId?: string }, ctx: any) => {
          if (args.conversationId !== undefined && args.conversationId !== payload.conversationUpdated.id) return false
          if (ctx.user.permissions.viewHistory === 'all') return true
          return visibleConversation(ctx.core, ctx.user, payload.conversationUpdated.id).then(() => true, () => false)
        })
    }
  }
}

export const routingGraphql: GraphQLExtension = { typeDefs, resolvers: resolvers as any }

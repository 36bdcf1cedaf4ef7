// Staff API of the built-in CRM's records: lists with keyset pagination, single records with their
// activities, and the changes staff make (deal fields, lead status, responsible person, notes).
import { errorCodes, type AgentContext, type AuthUser, type Id, type PluginContext, type Resolvers } from '@openline/sdk'
import { checkId, decodeCursor, encodeCursor, invalid, notFound, pageSize, rows } from '../db.ts'
import { columnsOf, dealStages, leadStatuses, readRecord, recordKinds, recordsOfClient, refOf, tableOf, toRecord, type CrmRecord, type Deal, type RecordKind } from '../records.ts'
import { activitiesOf, addActivity, type Activity } from '../activities.ts'
import { editableRecord, maySeeClient, maySeeConversation, seesAll, visibleRecord } from '../access.ts'
import { builtinAdapter } from '../adapter.ts'
import { clientProfile } from '../facts.ts'
import { isActiveUser } from '../conversations.ts'
import { normalizeEmail, normalizePhone } from '../normalize.ts'
import { builtinAdapterId } from '../settings.ts'

interface ListArgs { first: number, after?: string | null, responsibleUserId?: string | null, status?: string | null, stage?: string | null, search?: string | null }

const maxTitle = 300
const maxNote = 10_000

async function listRecords (ctx: PluginContext<any>, user: AuthUser, kind: RecordKind, args: ListArgs): Promise<{ nodes: CrmRecord[], nextCursor: string | null }> {
  const first = pageSize(args.first)
  const where: string[] = []
  const params: unknown[] = []
  if (!seesAll(user)) { where.push('responsible_id = ?'); params.push(user.id) }
  if (args.responsibleUserId !== undefined && args.responsibleUserId !== null) { where.push('responsible_id = ?'); params.push(checkId(args.responsibleUserId, '/responsibleUserId')) }
  if (kind === 'lead' && args.status !== undefined && args.status !== null) { where.push('status = ?'); params.push(args.status) }
  if (kind === 'deal' && args.stage !== undefined && args.stage !== null) { where.push('stage = ?'); params.push(args.stage) }
  const search = typeof args.search === 'string' ? args.search.trim() : ''
  if (kind === 'contact' && search !== '') {
    if (search.length > 200) throw invalid([{ path: '/search', message: 'at most 200 characters' }])
    where.push("(name ilike ? escape '\\' or ? = any(phones) or ? = any(emails))")
    params.push(`%${search.replace(/[\\%_]/g, c => `\\${c}`)}%`, normalizePhone(search) ?? '', normalizeEmail(search) ?? '')
  }
  const after = decodeCursor(args.after)
  if (after !== null) { where.push('id < ?'); params.push(after) }
  const list = await rows(ctx, `select ${columnsOf[kind]} from ${tableOf[kind]} ${where.length > 0 ? `where ${where.join(' and ')}` : ''} order by id desc limit ${first + 1}`, params)
  const nodes = list.slice(0, first).map(r => toRecord(kind, r))
  return { nodes, nextCursor: list.length > first ? encodeCursor(nodes[nodes.length - 1].id) : null }
}

async function orNull<T> (promise: Promise<T>): Promise<T | null> {
  try {
    return await promise
  } catch (err) {
    if ((err as { code?: string }).code === errorCodes.notFound) return null
    throw err
  }
}

function checkKind (kind: string): RecordKind {
  if (!(recordKinds as string[]).includes(kind)) throw invalid([{ path: '/kind', message: 'the built-in CRM has contacts, leads and deals' }])
  return kind as RecordKind
}

function checkTitle (value: unknown, fields: { path: string, message: string }[]): string | undefined {
  if (value === undefined || value === null) return undefined
  const title = typeof value === 'string' ? value.trim() : ''
  if (title === '' || title.length > maxTitle) fields.push({ path: '/input/title', message: `1 to ${maxTitle} characters` })
  return title
}

export function recordResolvers (ctx: PluginContext<any>): Resolvers {
  const adapter = builtinAdapter(() => ctx)

  /** Activities the user may see: chat logs and answers of conversations hidden from them are left out. */
  async function activities (user: AuthUser, record: CrmRecord, args: { first: number, after?: string | null }): Promise<{ nodes: Activity[], nextCursor: string | null }> {
    const first = pageSize(args.first, 100)
    const list = await activitiesOf(ctx, record, first + 1, decodeCursor(args.after))
    const seen = new Map<string, boolean>()
    const nodes: Activity[] = []
    for (const a of list.slice(0, first)) {
      if (a.conversationId !== null && !seesAll(user)) {
        if (!seen.has(a.conversationId)) seen.set(a.conversationId, await maySeeConversation(ctx, user, a.conversationId))
        if (seen.get(a.conversationId) !== true) continue
      }
      nodes.push(a)
    }
    return { nodes, nextCursor: list.length > first ? encodeCursor(list[first - 1].id) : null }
  }

  const activitiesField = { activities: async (record: CrmRecord, args: { first: number, after?: string | null }, context: AgentContext) => activities(context.requireUser(), record, args) }

  return {
    Query: {
      crmRecordsOfClient: async (_: unknown, args: { clientId: string }, context: AgentContext) => {
        const user = context.requireUser()
        const clientId = checkId(args.clientId, '/clientId')
        if (!await maySeeClient(ctx, user, clientId)) throw notFound('Client')
        const profile = await clientProfile(ctx, clientId)
        if (profile === null) throw notFound('Client')
        const records = await recordsOfClient(ctx, profile)
        return records.map(r => ({ ...refOf(r), adapter: builtinAdapterId, createdFromConversation: false }))
      },
      crmContacts: async (_: unknown, args: ListArgs, context: AgentContext) => listRecords(ctx, context.requireUser(), 'contact', args),
      crmLeads: async (_: unknown, args: ListArgs, context: AgentContext) => listRecords(ctx, context.requireUser(), 'lead', args),
      crmDeals: async (_: unknown, args: ListArgs, context: AgentContext) => listRecords(ctx, context.requireUser(), 'deal', args),
      crmContact: async (_: unknown, args: { id: string }, context: AgentContext) => orNull(visibleRecord(ctx, context.requireUser(), 'contact', checkId(args.id, '/id'))),
      crmLead: async (_: unknown, args: { id: string }, context: AgentContext) => orNull(visibleRecord(ctx, context.requireUser(), 'lead', checkId(args.id, '/id'))),
      crmDeal: async (_: unknown, args: { id: string }, context: AgentContext) => orNull(visibleRecord(ctx, context.requireUser(), 'deal', checkId(args.id, '/id')))
    },
    Mutation: {
      updateCrmDeal: async (_: unknown, args: { id: string, input: { title?: string | null, stage?: string | null, amount?: string | null, contactId?: string | null } }, context: AgentContext) => {
        const user = context.requireUser()
        const deal = await editableRecord(ctx, user, 'deal', checkId(args.id, '/id')) as Deal
        const fields: { path: string, message: string }[] = []
        const title = checkTitle(args.input.title, fields)
        if (args.input.stage !== undefined && args.input.stage !== null && !(dealStages as readonly string[]).includes(args.input.stage)) fields.push({ path: '/input/stage', message: `one of ${dealStages.join(', ')}` })
        let amount: string | null | undefined
        if (Object.hasOwn(args.input, 'amount')) {
          amount = args.input.amount === null || args.input.amount === undefined ? null : String(args.input.amount).trim()
          if (amount !== null && !/^\d{1,12}([.,]\d{1,2})?$/.test(amount)) fields.push({ path: '/input/amount', message: 'a positive decimal with up to 12 digits and 2 places' })
          else if (amount !== null) amount = amount.replace(',', '.')
        }
        let contactId: Id | undefined
        if (args.input.contactId !== undefined && args.input.contactId !== null) {
          contactId = checkId(args.input.contactId, '/input/contactId')
          if (await readRecord(ctx, 'contact', contactId) === null) fields.push({ path: '/input/contactId', message: 'no contact with this id' })
        }
        if (fields.length > 0) throw invalid(fields, 'deal')
        const [row] = await ctx.transaction(tx => tx.query(
          `update crm_deals set title = coalesce(?, title), stage = coalesce(?, stage), amount = case when ? then ?::numeric else amount end,
              contact_id = coalesce(?, contact_id), updated_at = now() where id = ? returning ${columnsOf.deal}`,
          [title ?? null, args.input.stage ?? null, amount !== undefined, amount ?? null, contactId ?? null, deal.id]))
        return toRecord('deal', row)
      },
      updateCrmLead: async (_: unknown, args: { id: string, input: { title?: string | null, status?: string | null } }, context: AgentContext) => {
        const user = context.requireUser()
        const lead = await editableRecord(ctx, user, 'lead', checkId(args.id, '/id'))
        const fields: { path: string, message: string }[] = []
        const title = checkTitle(args.input.title, fields)
        if (args.input.status !== undefined && args.input.status !== null && !(leadStatuses as readonly string[]).includes(args.input.status)) fields.push({ path: '/input/status', message: `one of ${leadStatuses.join(', ')}` })
        if (fields.length > 0) throw invalid(fields, 'lead')
        const [row] = await ctx.transaction(tx => tx.query(
          `update crm_leads set title = coalesce(?, title), status = coalesce(?, status), updated_at = now() where id = ? returning ${columnsOf.lead}`,
          [title ?? null, args.input.status ?? null, lead.id]))
        return toRecord('lead', row)
      },
      setCrmResponsible: async (_: unknown, args: { kind: string, id: string, userId: string }, context: AgentContext) => {
        const user = context.requireUser()
        const kind = checkKind(args.kind)
        const record = await editableRecord(ctx, user, kind, checkId(args.id, '/id'))
        const userId = checkId(args.userId, '/userId')
        return ctx.transaction(async (tx) => {
          if (!await isActiveUser(tx, userId)) throw invalid([{ path: '/userId', message: 'no active user with this id' }])
          const ref = { ...refOf(record), responsibleUserId: userId }
          await adapter.setResponsible?.({ record: ref, userId, settings: {}, tx })
          return { ...ref, adapter: builtinAdapterId, createdFromConversation: false }
        })
      },
      addCrmNote: async (_: unknown, args: { kind: string, id: string, body: string }, context: AgentContext) => {
        const user = context.requireUser()
        const kind = checkKind(args.kind)
        const record = await visibleRecord(ctx, user, kind, checkId(args.id, '/id'))
        const body = args.body.trim()
        if (body === '' || body.length > maxNote) throw invalid([{ path: '/body', message: `1 to ${maxNote} characters` }])
        return ctx.transaction(tx => addActivity(tx, record, { kind: 'note', body, authorUserId: user.id }))
      }
    },
    CrmContact: activitiesField,
    CrmLead: activitiesField,
    CrmDeal: {
      ...activitiesField,
      contact: async (deal: Deal, _: unknown, context: AgentContext) => deal.contactId === null ? null : orNull(visibleRecord(ctx, context.requireUser(), 'contact', deal.contactId))
    }
  }
}

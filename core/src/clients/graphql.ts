// I2: one person, several channels. Staff find a client, merge two into one (every identity and
// conversation moves; messages never do), undo a merge, or split one identity off again.
import { OpenlineError, errorCodes, coreEvents, type AuthUser, type Tx, type GraphQLExtension } from '@openline/sdk'
import type { AgentGraphQLContext, Core } from '../core.ts'
import { historyCondition } from '../auth/index.ts'
import { checkId } from '../ids.ts'

const typeDefs = `
  type ClientIdentity { id: ID!, connector: String!, externalUserId: String!, createdAt: DateTime! }
  type ClientMerge { id: ID!, sourceClientId: ID!, targetClientId: ID!, identityIds: [ID!]!, mergedAt: DateTime!, undoneAt: DateTime }

  extend type Client {
    "Where the client writes from: one identity per connection."
    identities: [ClientIdentity!]!
    "Set when this client was merged into another; its identities live there now."
    mergedIntoId: ID
  }

  extend type Query {
    client(id: ID!): Client
    "Clients whose name, e-mail or phone contains the text, among those the user may see (at most 50)."
    searchClients(query: String!, first: Int = 20): [Client!]!
    clientMerges(clientId: ID!): [ClientMerge!]!
  }

  extend type Mutation {
    "I2: the source client's identities and conversations move to the target (the same person); undoable."
    mergeClients(sourceClientId: ID!, targetClientId: ID!): ClientMerge!
    undoClientMerge(mergeId: ID!): ClientMerge!
    "Split one identity (with its conversations) off into a client of its own."
    splitClientIdentity(identityId: ID!): Client!
  }
`

const clientColumns = 'c.id::text, c.name, c.email, c.phone, c.locale, c.merged_into_id::text'
const notFound = (what: string): OpenlineError => new OpenlineError(errorCodes.notFound, `${what} not found`, { statusCode: 404 })
const conflict = (message: string): OpenlineError => new OpenlineError(errorCodes.conflict, message, { statusCode: 409 })
const invalid = (path: string, message: string): OpenlineError => new OpenlineError(errorCodes.validation, message, { fields: [{ path, message }] })

interface ClientRow { id: string, name: string | null, email: string | null, phone: string | null, locale: string | null, merged_into_id: string | null }
const toClient = (r: ClientRow): Record<string, unknown> => ({ id: r.id, name: r.name, email: r.email, phone: r.phone, locale: r.locale, mergedIntoId: r.merged_into_id })

/** A client the user may deal with: one of its conversations is visible to them (or they see everything). */
function visibleClientCondition (user: AuthUser): { sql: string, params: unknown[] } {
  if (user.permissions.viewHistory === 'all') return { sql: 'true', params: [] }
  const cond = historyCondition(user, 'vc')
  return { sql: `exists (select 1 from conversations vc where vc.client_id = c.id and (${cond.sql}))`, params: cond.params }
}

async function lockClient (tx: Tx, user: AuthUser, id: string, path: string): Promise<ClientRow> {
  const visible = visibleClientCondition(user)
  const [row] = await tx.query<ClientRow>(`select ${clientColumns} from clients c where c.id = ? and (${visible.sql}) for update of c`, [checkId(id, path), ...visible.params])
  if (row === undefined) throw invalid(path, 'no such client')
  return row
}

interface MergeRow { id: string, source_client_id: string, target_client_id: string, identity_ids: string[], filled: Record<string, unknown>, merged_at: Date, undone_at: Date | null }
const mergeColumns = 'id::text, source_client_id::text, target_client_id::text, identity_ids::text[], filled, merged_at, undone_at'
const toMerge = (r: MergeRow): Record<string, unknown> => ({ id: r.id, sourceClientId: r.source_client_id, targetClientId: r.target_client_id, identityIds: r.identity_ids, mergedAt: r.merged_at, undoneAt: r.undone_at })

export function clientsGraphql (core: Core): GraphQLExtension {
  const execute = (sql: string, params: unknown[]): Promise<Record<string, any>[]> => (core.orm.em.fork() as any).execute(sql, params)

  return {
    typeDefs,
    resolvers: {
      Client: {
        async identities (client: { id: string }) {
          const rows = await execute(`select i.id::text, cn.connector, i.external_user_id, i.created_at from client_identities i join channel_connections cn on cn.id = i.connection_id
                                       where i.client_id = ? order by i.created_at, i.id`, [client.id])
          return rows.map(r => ({ id: r.id, connector: r.connector, externalUserId: r.external_user_id, createdAt: r.created_at }))
        },
        async mergedIntoId (client: { id: string, mergedIntoId?: string | null }) {
          if (client.mergedIntoId !== undefined) return client.mergedIntoId
          const [row] = await execute('select merged_into_id::text from clients where id = ?', [client.id])
          return row?.merged_into_id ?? null
        }
      },
      Query: {
        async client (_: unknown, args: { id: string }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          const visible = visibleClientCondition(user)
          const [row] = await execute(`select ${clientColumns} from clients c where c.id = ? and (${visible.sql})`, [checkId(args.id, '/id'), ...visible.params]) as ClientRow[]
          return row === undefined ? null : toClient(row)
        },
        async searchClients (_: unknown, args: { query: string, first: number }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          const text = typeof args.query === 'string' ? args.query.trim() : ''
          if (text.length < 2 || text.length > 200) throw invalid('/query', 'must be 2–200 characters')
          if (!Number.isInteger(args.first) || args.first < 1 || args.first > 50) throw invalid('/first', 'must be 1–50')
          const visible = visibleClientCondition(user)
          const like = `%${text.replace(/[\\%_]/g, m => '\\' + m)}%`
          const digits = text.replace(/\D/g, '')
          const rows = await execute(`select ${clientColumns} from clients c
             where c.merged_into_id is null and (c.name ilike ? or c.email ilike ? ${digits.length >= 4 ? "or regexp_replace(coalesce(c.phone, ''), '\\D', '', 'g') like ?" : ''})
               and (${visible.sql}) order by c.id desc limit ${args.first}`,
          [like, like, ...(digits.length >= 4 ? [`%${digits}%`] : []), ...visible.params]) as ClientRow[]
          return rows.map(toClient)
        },
        async clientMerges (_: unknown, args: { clientId: string }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          const id = checkId(args.clientId, '/clientId')
          const visible = visibleClientCondition(user)
          const [seen] = await execute(`select 1 from clients c where c.id = ? and (${visible.sql})`, [id, ...visible.params])
          if (seen === undefined) throw notFound('Client')
          const rows = await execute(`select ${mergeColumns} from client_merges where source_client_id = ? or target_client_id = ? order by id desc`, [id, id]) as MergeRow[]
          return rows.map(toMerge)
        }
      },
      Mutation: {
        async mergeClients (_: unknown, args: { sourceClientId: string, targetClientId: string }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          checkId(args.sourceClientId, '/sourceClientId')
          checkId(args.targetClientId, '/targetClientId')
          if (args.sourceClientId === args.targetClientId) throw invalid('/targetClientId', 'a client cannot be merged into itself')
          return core.transaction(async (tx) => {
            // Both rows locked in id order: two opposite merges at once cannot deadlock.
            const [first, second] = [args.sourceClientId, args.targetClientId].sort((a, b) => Number(BigInt(a) - BigInt(b)))
            const locked = new Map<string, ClientRow>()
            for (const id of [first, second]) locked.set(id, await lockClient(tx, user, id, id === args.sourceClientId ? '/sourceClientId' : '/targetClientId'))
            const source = locked.get(args.sourceClientId) as ClientRow
            const target = locked.get(args.targetClientId) as ClientRow
            if (source.merged_into_id !== null) throw invalid('/sourceClientId', 'this client was already merged into another')
            if (target.merged_into_id !== null) throw invalid('/targetClientId', 'this client was merged into another: merge into that one')
            const identities = await tx.query<{ id: string }>('update client_identities set client_id = ? where client_id = ? returning id::text', [target.id, source.id])
            await tx.query('update conversations set client_id = ? where client_id = ?', [target.id, source.id])
            // The target keeps what it knows; gaps are filled from the source (and emptied again on undo).
            const filled: Record<string, unknown> = {}
            for (const field of ['name', 'email', 'phone', 'locale'] as const) if (target[field] === null && source[field] !== null) filled[field] = source[field]
            if (Object.keys(filled).length > 0) {
              await tx.query(`update clients set ${Object.keys(filled).map(f => `${f} = ?`).join(', ')} where id = ?`, [...Object.values(filled), target.id])
            }
            await tx.query('update clients set merged_into_id = ? where id = ?', [target.id, source.id])
            const [merge] = await tx.query<MergeRow>(`insert into client_merges (source_client_id, target_client_id, identity_ids, filled, merged_by_id) values (?, ?, ?::bigint[], ?::jsonb, ?) returning ${mergeColumns}`,
              [source.id, target.id, `{${identities.map(i => i.id).join(',')}}`, JSON.stringify(filled), user.id])
            tx.emit(coreEvents.clientsMerged, { mergeId: merge.id, sourceClientId: source.id, targetClientId: target.id, identityIds: merge.identity_ids, byUserId: user.id })
            return toMerge(merge)
          })
        },
        async undoClientMerge (_: unknown, args: { mergeId: string }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          return core.transaction(async (tx) => {
            const [merge] = await tx.query<MergeRow>(`select ${mergeColumns} from client_merges where id = ? for update`, [checkId(args.mergeId, '/mergeId')])
            if (merge === undefined) throw notFound('Merge')
            const target = await lockClient(tx, user, merge.target_client_id, '/mergeId').catch(() => { throw notFound('Merge') })
            if (merge.undone_at !== null) throw conflict('This merge was already undone')
            if (target.merged_into_id !== null) throw conflict('The client was merged again since: undo that merge first')
            await tx.query('select id from clients where id = ? for update', [merge.source_client_id])
            // Identities split off or re-merged since stay where they are now.
            const moved = await tx.query<{ id: string }>('update client_identities set client_id = ? where client_id = ? and id = any(?::bigint[]) returning id::text',
              [merge.source_client_id, merge.target_client_id, `{${merge.identity_ids.join(',')}}`])
            await tx.query('update conversations set client_id = ? where client_id = ? and client_identity_id = any(?::bigint[])', [merge.source_client_id, merge.target_client_id, `{${moved.map(m => m.id).join(',')}}`])
            for (const [field, value] of Object.entries(merge.filled)) {
              if (!['name', 'email', 'phone', 'locale'].includes(field)) continue
              await tx.query(`update clients set ${field} = null where id = ? and ${field} = ?`, [merge.target_client_id, value])
            }
            await tx.query('update clients set merged_into_id = null where id = ?', [merge.source_client_id])
            const [undone] = await tx.query<MergeRow>(`update client_merges set undone_at = now(), undone_by_id = ? where id = ? returning ${mergeColumns}`, [user.id, merge.id])
            tx.emit(coreEvents.clientMergeUndone, { mergeId: merge.id, sourceClientId: merge.source_client_id, targetClientId: merge.target_client_id, identityIds: moved.map(m => m.id), byUserId: user.id })
            return toMerge(undone)
          })
        },
        async splitClientIdentity (_: unknown, args: { identityId: string }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          return core.transaction(async (tx) => {
            const [identity] = await tx.query<{ id: string, client_id: string, profile: Record<string, unknown> }>('select id::text, client_id::text, profile from client_identities where id = ?', [checkId(args.identityId, '/identityId')])
            if (identity === undefined) throw invalid('/identityId', 'no such identity')
            const from = await lockClient(tx, user, identity.client_id, '/identityId')
            const [{ n }] = await tx.query<{ n: number }>('select count(*)::int as n from client_identities where client_id = ?', [from.id])
            if (n < 2) throw invalid('/identityId', 'the client has no other identity to keep')
            const name = typeof identity.profile?.name === 'string' ? identity.profile.name : from.name
            const [created] = await tx.query<ClientRow>(`insert into clients (name, locale) values (?, ?) returning id::text, name, email, phone, locale, merged_into_id::text`, [name, from.locale])
            await tx.query('update client_identities set client_id = ? where id = ?', [created.id, identity.id])
            await tx.query('update conversations set client_id = ? where client_identity_id = ?', [created.id, identity.id])
            tx.emit(coreEvents.clientSplit, { identityId: identity.id, fromClientId: from.id, toClientId: created.id, byUserId: user.id })
            return toClient(created)
          })
        }
      }
    }
  }
}

import { OpenlineError, errorCodes, coreEvents, type PluginContext, type Tx, type ChannelConnectionRecord } from '@openline/sdk'
import { conversationColumns, toConversationRecord, messageColumns, toMessageRecord } from '../records.ts'
import { visibleConversation } from '../conversations/graphql.ts'
import { toOpenChannelRecord, type OpenChannelRow } from '../openChannels/openChannels.ts'
import { settingsWithDefaults } from '../openChannels/settings.ts'
import { topics } from '../topics.ts'
import { isId } from '../ids.ts'
import { safeFetch } from '../files/safeFetch.ts'
import { plainMentions } from '../outbox.ts'
import { authenticate } from '../auth/index.ts'
import type { Core } from '../core.ts'
import type { LoadedPlugin } from './loader.ts'

/** Plugin job and timer names are local; the queue name carries the plugin's name. */
export const pluginJobName = (plugin: string, job: string): string => `${plugin}:${job}`

function scopeTx (tx: Tx, plugin: string): Tx {
  return { ...tx, schedule: (timer) => tx.schedule({ ...timer, job: pluginJobName(plugin, timer.job) }) }
}

type OpenedConnection = ChannelConnectionRecord & { secrets: Record<string, unknown> }
const connectionCacheMs = 2000

/** Webhooks look their connection up on every request: keep it for a moment. */
function connectionLookup (core: Core): PluginContext['connections'] {
  const cache = new Map<string, { at: number, value: OpenedConnection | null }>()
  async function load (where: string, params: unknown[], key: string): Promise<OpenedConnection | null> {
    const hit = cache.get(key)
    if (hit !== undefined && Date.now() - hit.at < connectionCacheMs) return hit.value
    const rows = await (core.orm.em.fork() as any).execute(
      `select id::text, open_channel_id::text, connector, external_account_id, status, settings, secrets from channel_connections where ${where}`, params) as Record<string, any>[]
    const row = rows[0]
    const value: OpenedConnection | null = row === undefined
      ? null
      : { id: row.id, openChannelId: row.open_channel_id, connector: row.connector, externalAccountId: row.external_account_id, status: row.status, settings: row.settings, secrets: row.secrets === null ? {} : core.secrets.open(row.secrets) }
    if (cache.size > 10_000) cache.clear()
    // A miss is not kept: a connection being made right now (provider check callbacks) must be found at once.
    if (value !== null) cache.set(key, { at: Date.now(), value })
    return value
  }
  return {
    get: async (id) => isId(id) ? load('id = ?', [id], `id:${id}`) : null,
    find: async (connector, account) => load('connector = ? and external_account_id = ?', [connector, account], `acc:${connector}:${account}`)
  }
}

/**
 * Where a provider's media URL may be fetched from: the admin-configured API origin (trusted, a
 * loopback fake in tests) or one of the provider's media hosts (public addresses only); else nowhere.
 */
export function mediaSource (url: string, policy: { apiBaseUrl: string, mediaHosts: string[] }): { url: string, trustedOrigin: string | null } | null {
  let target: URL
  let api: URL
  try {
    target = new URL(url)
    api = new URL(policy.apiBaseUrl)
  } catch {
    return null
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return null
  if (target.origin === api.origin) return { url: target.href, trustedOrigin: api.origin }
  const host = target.hostname.toLowerCase()
  return policy.mediaHosts.some(h => host === h || host.endsWith(`.${h}`)) ? { url: target.href, trustedOrigin: null } : null
}

/** The plain object every plugin function receives: no decorators, no container. */
export function createPluginContext (core: Core, plugin: LoadedPlugin): PluginContext {
  const name = plugin.definition.name
  return {
    connections: connectionLookup(core),
    conversations: {
      async get (id, tx) {
        if (!isId(id)) return null
        const sql = `select ${conversationColumns} from conversations where id = ?`
        const rows = tx !== undefined ? await tx.query<Record<string, any>>(sql, [id]) : await (core.orm.em.fork() as any).execute(sql, [id]) as Record<string, any>[]
        return rows[0] === undefined ? null : toConversationRecord(rows[0])
      },
      close: (id, options, tx) => core.routing.close(null, id, options.reason, tx),
      async transcript (id, tx) {
        if (!isId(id)) return ''
        const sql = `select coalesce(m.sent_at, m.created_at) as at, m.author_kind, m.body, m.attachments, u.name as agent, cl.name as client
                       from messages m join conversations c on c.id = m.conversation_id join clients cl on cl.id = c.client_id left join users u on u.id = m.author_user_id
                      where m.conversation_id = ? and m.visibility = 'public' and m.deleted_at is null order by coalesce(m.sent_at, m.created_at), m.id`
        const rows = tx !== undefined ? await tx.query<Record<string, any>>(sql, [id]) : await (core.orm.em.fork() as any).execute(sql, [id]) as Record<string, any>[]
        return rows.map(r => {
          const who = r.author_kind === 'client' ? (r.client ?? 'Client') : r.author_kind === 'agent' ? (r.agent ?? 'Agent') : r.author_kind === 'bot' ? 'Bot' : 'System'
          const files = (r.attachments as { name?: string }[] ?? []).map(a => ` [file: ${a.name ?? 'attachment'}]`).join('')
          return `[${new Date(r.at).toISOString().slice(0, 16).replace('T', ' ')}] ${who}: ${plainMentions(String(r.body))}${files}`
        }).join('\n')
      },
      visibleTo: async (user, id) => {
        if (!isId(id)) throw new OpenlineError(errorCodes.notFound, 'Conversation not found', { statusCode: 404 })
        return toConversationRecord(await visibleConversation(core, user, id))
      }
    },
    async openChannel (id, tx) {
      if (!isId(id)) return null
      const rows = tx !== undefined ? await tx.query<OpenChannelRow>('select * from open_channels where id = ?', [id]) : await (core.orm.em.fork() as any).execute('select * from open_channels where id = ?', [id]) as OpenChannelRow[]
      if (rows[0] === undefined) return null
      const record = toOpenChannelRecord(rows[0])
      return { ...record, groups: settingsWithDefaults(core, record) }
    },
    templates: core.templates,
    auth: { authenticate: (authorization) => authenticate(core, authorization) },
    secrets: { seal: (value) => core.secrets.seal(value), open: (sealed) => core.secrets.open(sealed) },
    messages: {
      async get (id, tx) {
        if (!isId(id)) return null
        const sql = `select ${messageColumns} from messages where id = ?`
        const rows = tx !== undefined ? await tx.query<Record<string, any>>(sql, [id]) : await (core.orm.em.fork() as any).execute(sql, [id]) as Record<string, any>[]
        return rows[0] === undefined ? null : toMessageRecord(rows[0])
      },
      async setReadUntil ({ connectionId, externalUserId, until }) {
        return core.transaction(async (tx) => {
          const rows = await tx.query<{ id: string, conversation_id: string }>(
            `update messages m set delivery_status = 'read'
               from conversations c join client_identities ci on ci.id = c.client_identity_id
              where m.conversation_id = c.id and ci.connection_id = ? and ci.external_user_id = ?
                and m.author_kind <> 'client' and m.delivery_status in ('sent', 'delivered') and coalesce(m.sent_at, m.created_at) <= ?
             returning m.id::text, m.conversation_id::text`, [connectionId, externalUserId, until])
          for (const row of rows) {
            tx.emit(coreEvents.messageDelivery, { messageId: row.id, conversationId: row.conversation_id, status: 'read' })
            tx.afterCommit(() => core.publish(topics.messages, { messageDelivery: { messageId: row.id, conversationId: row.conversation_id, status: 'read', error: null } }))
          }
          return rows.length
        })
      },
      async setDeliveryStatus ({ connectionId, externalMessageId, status, error }) {
        const target = status === 'read' ? 3 : 2
        return core.transaction(async (tx) => {
          const rows = await tx.query<{ id: string, conversation_id: string }>(
            `update messages set delivery_status = ? where connection_id = ? and external_id = ? and author_kind <> 'client'
               and (case delivery_status when 'sent' then 1 when 'delivered' then 2 when 'read' then 3 when 'failed' then 9 else 0 end) < ?
             returning id::text, conversation_id::text`, [status, connectionId, externalMessageId, target])
          const row = rows[0]
          if (row === undefined) return false
          tx.emit(coreEvents.messageDelivery, { messageId: row.id, conversationId: row.conversation_id, status, ...(error !== undefined ? { error } : {}) })
          tx.afterCommit(() => core.publish(topics.messages, { messageDelivery: { messageId: row.id, conversationId: row.conversation_id, status, error: error ?? null } }))
          return true
        })
      }
    },
    files: {
      maxBytes: core.files.maxBytes,
      async store (data) {
        const storageKey = await core.files.storage.put(data)
        return { storageKey, size: data.byteLength }
      },
      read: (storageKey) => core.files.storage.get(storageKey),
      async keepMedia (url, policy) {
        const log = core.log.child({ plugin: plugin.definition.name })
        const source = mediaSource(url, policy)
        if (source === null) {
          log.warn({ url: url.slice(0, 200) }, 'media URL outside the provider hosts not fetched; message kept without the file')
          return null
        }
        try {
          const res = await safeFetch(source.url, { trustedOrigins: source.trustedOrigin === null ? [] : [source.trustedOrigin], maxBytes: core.files.maxBytes, timeoutMs: policy.timeoutMs ?? 10_000 })
          if (res.status !== 200) throw new Error(`media host answered ${res.status}`)
          const storageKey = await core.files.storage.put(res.data)
          const type = res.headers.get('content-type')?.split(';')[0].trim()
          return { storageKey, size: res.data.byteLength, mimeType: type !== undefined && /^[\w.+-]+\/[\w.+-]+$/.test(type) ? type : undefined }
        } catch (err) {
          log.warn({ err: (err as Error).message, url: url.slice(0, 200) }, 'media not fetched; message kept without the file')
          return null
        }
      },
      fetch: (url, options = {}) => safeFetch(url, { ...options, maxBytes: Math.min(options.maxBytes ?? core.files.maxBytes, core.files.maxBytes) }),
      signedUrl: (file, options) => `${core.config.publicUrl}/files/${core.files.signer.sign(file, options?.ttlSec ?? 900)}`
    },
    async rateLimit (key, limit) {
      const redisKey = core.redisKey(`plugin-rl:${name}:${key}`)
      try {
        const [[, count], [, ttl]] = await core.redis.multi().incr(redisKey).pttl(redisKey).exec() as [[null, number], [null, number]]
        if (ttl < 0) await core.redis.pexpire(redisKey, limit.windowSec * 1000)
        const retryAfterSec = Math.ceil((ttl < 0 ? limit.windowSec * 1000 : ttl) / 1000)
        return { allowed: count <= limit.max, retryAfterSec: count <= limit.max ? 0 : retryAfterSec }
      } catch (err) {
        core.log.warn({ err: (err as Error).message, plugin: name }, 'rate limit unavailable; allowing')
        return { allowed: true, retryAfterSec: 0 }
      }
    },
    typing: (conversationId, preview) => core.publish(topics.typing, { clientTyping: { conversationId, preview: preview?.slice(0, 2000) ?? null, at: new Date().toISOString() } }),
    pluginName: name,
    options: plugin.options,
    log: core.log.child({ plugin: name }),
    config: { publicUrl: core.config.publicUrl, environment: core.config.environment },
    transaction: (fn) => core.transaction(tx => fn(scopeTx(tx, name))),
    em: () => core.orm.em.fork(),
    ingest: (inbound) => core.ingest(inbound),
    sendMessage: (message, tx) => core.sendMessage(message, tx),
    jobs: { enqueue: (job, data, options) => core.jobs.enqueue(pluginJobName(name, job), data, options) },
    publish: (topic, payload) => core.publish(topic, payload),
    registry: {
      connector: (id) => core.registry.connectors.get(id),
      queueStrategy: (id) => core.registry.queueStrategies.get(id),
      chatbot: (id) => core.registry.chatbots.get(id),
      crmAdapter: (id) => core.registry.crmAdapters.get(id),
      crmForm: (id) => core.registry.crmForms.get(id),
      settingsGroup: (id) => core.registry.settingsGroups.get(id)
    }
  }
}

export { scopeTx }

// Visitor sessions: a widget key (public, in the page) names the connection; a visitor token
// (secret, kept in the visitor's browser) names the visitor. Tokens are stored only as SHA-256.
import { createHash, randomBytes } from 'node:crypto'
import { OpenlineError, errorCodes, isId, type ChannelConnectionRecord, type FieldError, type Id, type PluginContext } from '@openline/sdk'
import { originAllowed, readSettings, type WebchatSettings } from './settings.ts'
import type { WebchatOptions } from './options.ts'
import { sql } from './sql.ts'

export const connectorId = 'webchat'

export type Connection = ChannelConnectionRecord & { secrets: Record<string, unknown> }
export type Ctx = PluginContext<WebchatOptions>

export interface Visitor {
  id: Id
  connectionId: Id
  externalUserId: string
  name: string | null
  email: string | null
  locale: string | null
}

export interface WidgetAccess { connection: Connection, settings: WebchatSettings }
export interface VisitorSession extends WidgetAccess { visitor: Visitor }

/** What the core tells resolvers about the caller (`VisitorContext.visitor`). */
export interface Caller { token: string | null, ip: string | null, origin: string | null }

const keyPattern = /^[A-Za-z0-9_-]{8,255}$/
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const localePattern = /^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,3}$/

export const newWidgetKey = (): string => randomBytes(24).toString('base64url')
const newToken = (): string => randomBytes(32).toString('base64url')
const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex')

/** `v<id>` is the visitor's `externalUserId`; anything else is not one of ours. */
export function visitorIdOf (externalUserId: string): Id | null {
  const id = /^v([0-9]+)$/.exec(externalUserId)?.[1]
  return id !== undefined && isId(id) ? id : null
}

const origins = new Map<string, string>()
const ownOrigin = (ctx: Ctx): string => {
  let origin = origins.get(ctx.config.publicUrl)
  if (origin === undefined) origins.set(ctx.config.publicUrl, origin = new URL(ctx.config.publicUrl).origin)
  return origin
}

const unknownWidget = (): OpenlineError => new OpenlineError(errorCodes.notFound, 'No web chat has this key', { statusCode: 404 })
const unauthenticated = (): OpenlineError => new OpenlineError(errorCodes.unauthenticated, 'Unknown visitor token: start a new visit', { statusCode: 401 })

export function checkOrigin (ctx: Ctx, settings: WebchatSettings, origin: string | null): void {
  if (!originAllowed(settings, origin, ownOrigin(ctx))) {
    throw new OpenlineError(errorCodes.forbidden, 'This web chat may not be used on this site', { statusCode: 403 })
  }
}

/** The connected widget with this key, if the caller's site may use it. */
export async function widgetAccess (ctx: Ctx, key: string, origin: string | null): Promise<WidgetAccess> {
  if (!keyPattern.test(key)) throw unknownWidget()
  const connection = await ctx.connections.find(connectorId, key)
  if (connection === null || connection.status !== 'connected') throw unknownWidget()
  const settings = readSettings(connection.settings)
  checkOrigin(ctx, settings, origin)
  return { connection, settings }
}

export interface VisitInput { key: string, name?: string | null, email?: string | null, locale?: string | null }

function checkVisit (input: VisitInput): FieldError[] {
  const fields: FieldError[] = []
  const name = input.name?.trim() ?? ''
  if (name.length > 100) fields.push({ path: '/name', message: 'At most 100 characters' })
  const email = input.email?.trim() ?? ''
  if (email !== '' && (email.length > 254 || !emailPattern.test(email))) fields.push({ path: '/email', message: 'Not an email address' })
  if (input.locale != null && input.locale !== '' && !localePattern.test(input.locale)) fields.push({ path: '/locale', message: 'Not a language tag' })
  return fields
}

const blankToNull = (value: string | null | undefined): string | null => value == null || value.trim() === '' ? null : value.trim()

/** A new visitor of a widget: rate-limited per client IP; the token is returned once and never stored. */
export async function startVisit (ctx: Ctx, input: VisitInput, caller: Caller): Promise<{ token: string, visitor: Visitor }> {
  const fields = checkVisit(input)
  if (fields.length > 0) throw new OpenlineError(errorCodes.validation, 'Invalid visitor details', { fields })
  const { connection } = await widgetAccess(ctx, input.key, caller.origin)
  const verdict = await ctx.rateLimit(`start:${caller.ip ?? 'unknown'}`, ctx.options.startVisitLimit)
  if (!verdict.allowed) {
    throw new OpenlineError(errorCodes.rateLimited, `Too many new chats from your address; try again in ${verdict.retryAfterSec} s`, { statusCode: 429 })
  }
  const token = newToken()
  const rows = await sql<{ id: string, external_user_id: string }>(ctx,
    `insert into channel_webchat_visitors (connection_id, token_hash, name, email, locale) values (?, decode(?, 'hex'), ?, ?, ?)
     returning id::text as id, external_user_id`,
    [connection.id, tokenHash(token), blankToNull(input.name), blankToNull(input.email), blankToNull(input.locale)])
  const row = rows[0]
  return {
    token,
    visitor: { id: row.id, connectionId: connection.id, externalUserId: row.external_user_id, name: blankToNull(input.name), email: blankToNull(input.email), locale: blankToNull(input.locale) }
  }
}

// Visitors by token hash, for a few seconds: a chatting visitor sends a request every few seconds,
// and visitor rows never change. A token is never revoked without its connection going, which the
// (uncached) connection check below sees.
const visitorCacheMs = 10_000
const recentVisitors = new Map<string, { at: number, visitor: Visitor }>()

async function visitorByToken (ctx: Ctx, token: string): Promise<Visitor | null> {
  const hash = tokenHash(token)
  const hit = recentVisitors.get(hash)
  if (hit !== undefined && Date.now() - hit.at < visitorCacheMs) return hit.visitor
  const rows = await sql<{ id: string, connection_id: string, external_user_id: string, name: string | null, email: string | null, locale: string | null }>(ctx,
    `select id::text as id, connection_id::text as connection_id, external_user_id, name, email, locale
       from channel_webchat_visitors where token_hash = decode(?, 'hex')`, [hash])
  const row = rows[0]
  if (row === undefined) return null
  const visitor: Visitor = { id: row.id, connectionId: row.connection_id, externalUserId: row.external_user_id, name: row.name, email: row.email, locale: row.locale }
  if (recentVisitors.size >= 20_000) recentVisitors.clear()
  recentVisitors.set(hash, { at: Date.now(), visitor })
  return visitor
}

/** The caller's visitor and widget, or OL_UNAUTHENTICATED; OL_FORBIDDEN from a site the widget does not allow. */
export async function authenticate (ctx: Ctx, caller: Caller): Promise<VisitorSession> {
  if (caller.token === null || caller.token.length > 100) throw unauthenticated()
  const visitor = await visitorByToken(ctx, caller.token)
  if (visitor === null) throw unauthenticated()
  const connection = await ctx.connections.get(visitor.connectionId)
  if (connection === null || connection.connector !== connectorId) throw unauthenticated()
  const settings = readSettings(connection.settings)
  checkOrigin(ctx, settings, caller.origin)
  return { connection, settings, visitor }
}

const touched = new Map<Id, number>()

/** Remember activity, at most once a minute per visitor and instance (not a statement per message). */
export async function touch (ctx: Ctx, visitorId: Id): Promise<void> {
  const now = Date.now()
  if (now - (touched.get(visitorId) ?? 0) < 60_000) return
  if (touched.size >= 50_000) touched.clear()
  touched.set(visitorId, now)
  await sql(ctx, "update channel_webchat_visitors set last_seen_at = now() where id = ? and last_seen_at < now() - interval '1 minute'", [visitorId])
}

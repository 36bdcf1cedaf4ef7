import type { PluginContext } from '@openline/sdk'
import { callGraph, type GraphTarget } from './graph.ts'
import { generateVerifyToken } from './settings.ts'
import { query } from './db.ts'

/** The page webhook fields each page connector needs. */
export const pageFieldsOf: Record<string, string[]> = {
  messenger: ['messages', 'messaging_postbacks', 'message_deliveries', 'message_reads'],
  instagram: ['messages', 'messaging_postbacks', 'message_deliveries', 'message_reads'],
  'facebook-comments': ['feed']
}

/**
 * The app has one subscription per page, and `subscribed_fields` replaces the list: a page with
 * Messenger and comments connected needs both connectors' fields, and disconnecting one must leave
 * the other's. Connectors of this page other than `connectionId` that are connected:
 */
async function otherPageConnectors (ctx: PluginContext, pageId: string, connectionId: string): Promise<string[]> {
  const rows = await query<{ connector: string }>(ctx,
    `select distinct connector from channel_connections
      where external_account_id = ? and status = 'connected' and id <> ? and connector in ('messenger', 'instagram', 'facebook-comments')`,
    [pageId, connectionId])
  return rows.map(r => r.connector)
}

function fieldsOf (connectors: string[]): string {
  return [...new Set(connectors.flatMap(c => pageFieldsOf[c] ?? []))].join(',')
}

/** Subscribe the app to the page for this connector's fields and those of the page's other connections. */
export async function subscribePage (ctx: PluginContext, target: GraphTarget, pageId: string, connector: string, connectionId: string): Promise<void> {
  const others = await otherPageConnectors(ctx, pageId, connectionId)
  await callGraph(target, 'POST', `${pageId}/subscribed_apps`, { query: { subscribed_fields: fieldsOf([connector, ...others]) } })
}

/** Remove the app from the page, or narrow the subscription to what the page's other connections still need. */
export async function unsubscribePage (ctx: PluginContext, target: GraphTarget, pageId: string, connectionId: string): Promise<void> {
  const others = await otherPageConnectors(ctx, pageId, connectionId)
  if (others.length === 0) await callGraph(target, 'DELETE', `${pageId}/subscribed_apps`)
  else await callGraph(target, 'POST', `${pageId}/subscribed_apps`, { query: { subscribed_fields: fieldsOf(others) } })
}

/**
 * `connect` of a page connector (Messenger, Instagram, comments): the token names the page
 * (`GET /me`, its id is the account id), the app is subscribed to it, a verify token is generated
 * when the admin gave none.
 */
export async function connectPage (ctx: PluginContext, target: GraphTarget, connector: string, input: { connectionId: string, verifyToken: string | undefined }): Promise<{ externalAccountId: string, settings: { verifyToken?: string } }> {
  const me = await callGraph(target, 'GET', 'me', { query: { fields: 'id,name' } })
  const pageId = typeof me.id === 'string' && /^[0-9]{1,40}$/.test(me.id) ? me.id : null
  if (pageId === null) throw new Error('Graph API /me named no page id')
  await subscribePage(ctx, target, pageId, connector, input.connectionId)
  return { externalAccountId: pageId, settings: input.verifyToken === undefined ? { verifyToken: generateVerifyToken() } : {} }
}

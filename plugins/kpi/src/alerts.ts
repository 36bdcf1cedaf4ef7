// H2: the notification of a missed target. There is no core notification API: each recipient's
// rendered text is kept in `kpi_alerts` (read with `myKpiAlerts`) and pushed to their own
// `kpiAlert` subscription topic after commit.
import type { Id, PluginContext, Tx } from '@openline/sdk'
import type { KpiSettings } from './settings.ts'
import { shippedText, textLanguage, toHandlebars, type TextLanguage } from './texts.ts'
import type { ResponseKind } from './state.ts'

/** One topic per recipient: a subscriber hears only their own alerts. */
export const alertTopic = (userId: Id): string => `kpi:alerts:${userId}`

export interface KpiAlert {
  id: Id
  userId: Id
  conversationId: Id
  kind: ResponseKind
  agentId: Id | null
  text: string
  dueAt: Date
  createdAt: Date
  readAt: Date | null
}

export const alertColumns = `a.id::text, a.user_id::text, l.conversation_id::text, l.kind, l.agent_id::text, a.text, l.due_at, a.created_at, a.read_at`

export function toAlert (row: Record<string, any>): KpiAlert {
  return {
    id: row.id,
    userId: row.user_id,
    conversationId: row.conversation_id,
    kind: row.kind,
    agentId: row.agent_id ?? null,
    text: row.text,
    dueAt: new Date(row.due_at),
    createdAt: new Date(row.created_at),
    readAt: row.read_at === null ? null : new Date(row.read_at)
  }
}

/** The variables a notification text may use; `#OPERATOR#` is `{{operator}}`, `#DIALOG#` is `{{dialog}}`. */
export interface AlertVars {
  /** The responsible agent's name; empty while nobody holds the conversation. */
  operator: string
  /** The conversation's number and a link to it in the console. */
  dialog: string
  dialogNumber: string
  dialogLink: string
  channelName: string
  clientName: string
  firstResponse: boolean
  /** The missed target in words ("5 min", "45 s") in the channel's language. */
  target: string
  targetSec: number
}

export function conversationLink (publicUrl: string, conversationId: Id): string {
  return `${publicUrl.replace(/\/+$/, '')}/plugins/console/#/conversations/${conversationId}`
}

/** The target in words: whole minutes as minutes, anything else in seconds. */
export function describeTarget (ctx: Pick<PluginContext<any>, 'templates'>, targetSec: number, language: TextLanguage): string {
  const minutes = targetSec % 60 === 0
  return ctx.templates.render(shippedText(minutes ? 'minutes' : 'seconds', language), { count: minutes ? targetSec / 60 : targetSec })
}

/** The channel's own text or the shipped one; a text that fails at run time falls back to the shipped one. */
export function renderAlert (ctx: Pick<PluginContext<any>, 'templates' | 'log'>, settings: KpiSettings, language: TextLanguage, kind: ResponseKind, vars: AlertVars): string {
  const shipped = shippedText(kind === 'first' ? 'lateFirst' : 'lateLater', language)
  const own = settings.notify.text
  if (own !== undefined) {
    try {
      return ctx.templates.render(toHandlebars(own), vars as unknown as Record<string, unknown>)
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'KPI notification text failed to render; sending the shipped text')
    }
  }
  return ctx.templates.render(toHandlebars(shipped), vars as unknown as Record<string, unknown>)
}

/** Active staff the settings name: chosen users, supervisors (history scope all), the assignee. */
async function recipients (tx: Tx, settings: KpiSettings, assigneeId: Id | null): Promise<Id[]> {
  const notify = settings.notify
  const rows = await tx.query<{ id: string }>(
    `select u.id::text from users u join roles r on r.id = u.role_id
      where u.active and (u.id = any(?::bigint[]) or (?::boolean and r.permissions->>'viewHistory' = 'all') or u.id = ?)
      order by u.id`,
    [`{${notify.userIds.join(',')}}`, notify.supervisors, notify.assignee ? assigneeId : null])
  return rows.map(r => r.id)
}

export interface LateWait {
  latenessId: Id
  conversationId: Id
  kind: ResponseKind
  assigneeId: Id | null
  targetSec: number
  channel: { name: string, language: string, settings: KpiSettings }
}

/** Render and store the alert for every recipient; push each after commit. Returns how many. */
export async function sendAlerts (tx: Tx, ctx: PluginContext<any>, late: LateWait): Promise<number> {
  const settings = late.channel.settings
  if (!settings.notify.enabled) return 0
  const userIds = await recipients(tx, settings, late.assigneeId)
  if (userIds.length === 0) return 0
  const [names] = await tx.query<{ operator: string | null, client: string | null }>(
    `select (select u.name from users u where u.id = ?) as operator,
            (select cl.name from conversations c join clients cl on cl.id = c.client_id where c.id = ?) as client`, [late.assigneeId, late.conversationId])
  const language = textLanguage(late.channel.language)
  const link = conversationLink(ctx.config.publicUrl, late.conversationId)
  const text = renderAlert(ctx, settings, language, late.kind, {
    operator: names?.operator ?? '',
    dialog: `#${late.conversationId} (${link})`,
    dialogNumber: late.conversationId,
    dialogLink: link,
    channelName: late.channel.name,
    clientName: names?.client ?? '',
    firstResponse: late.kind === 'first',
    target: describeTarget(ctx, late.targetSec, language),
    targetSec: late.targetSec
  })
  const rows = await tx.query<Record<string, any>>(
    `with a as (
       insert into kpi_alerts (user_id, lateness_id, text) select unnest(?::bigint[]), ?, ? returning *
     )
     select ${alertColumns} from a join kpi_lateness l on l.id = a.lateness_id order by a.id`,
    [`{${userIds.join(',')}}`, late.latenessId, text])
  const alerts = rows.map(toAlert)
  tx.afterCommit(async () => {
    await Promise.all(alerts.map(alert => ctx.publish(alertTopic(alert.userId), { kpiAlert: alert as unknown as Record<string, unknown> })))
  })
  return alerts.length
}

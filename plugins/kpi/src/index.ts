// @openline/plugin-kpi: response-time targets per open channel, lateness detected by durable
// timers with notifications to chosen staff, figures on every conversation and statistics
// (ROADMAP H1–H3, issue #6).
import { OpenlineError, coreEvents, definePlugin, errorCodes, subscribe, Type, type HookPayloads } from '@openline/sdk'
import { kpiGroup, readKpiSettings } from './settings.ts'
import { migrations } from './migrations.ts'
import { defaultMinuteMs, setRuntime } from './runtime.ts'
import { lateJobName, onConversationAssigned, onConversationOpened, onMessageCreated, onMessageReceived, onStatusChanged } from './tracking.ts'
import { lateJob } from './lateness.ts'
import { agentGraphQL } from './graphql.ts'
import { idArray } from './db.ts'
import { detectRatings } from './ratings.ts'

export { kpiGroup, kpiSchema, kpiDefaults, readKpiSettings, validateKpi, type KpiSettings } from './settings.ts'
export { textLanguages, textKeys, shippedText, textLanguage, toHandlebars, type TextKey, type TextLanguage } from './texts.ts'
export { renderAlert, conversationLink, describeTarget, alertTopic, type KpiAlert, type AlertVars } from './alerts.ts'
export { timerKey } from './tracking.ts'
export { ratingsGroupId } from './ratings.ts'
export { migrations }

export const kpiOptions = Type.Object({
  /** Milliseconds per settings minute; a target of N seconds lasts N × minuteMs / 60 ms. Tests shorten it. */
  minuteMs: Type.Integer({ minimum: 1, maximum: 3_600_000, default: defaultMinuteMs })
})

/** Chosen recipients must be active users; the schema cannot see the database, this hook can. */
async function checkRecipients (payload: HookPayloads['openChannel.beforeSave']): Promise<void> {
  if (payload.group !== 'kpi') return
  const ids = readKpiSettings(payload.values).notify.userIds
  if (ids.length === 0) return
  const rows = await payload.tx.query<{ id: string }>('select id::text from users where active and id = any(?::bigint[])', [idArray(ids)])
  const active = new Set(rows.map(r => r.id))
  const fields = ids.flatMap((id, i) => active.has(id) ? [] : [{ path: `/notify/userIds/${i}`, message: 'no such active user' }])
  if (fields.length > 0) throw new OpenlineError(errorCodes.validation, 'Unknown or inactive user among the recipients', { fields })
}

export const kpiPlugin = definePlugin({
  name: 'kpi',
  version: '0.1.0',
  core: '^0.1.0',
  // Ratings in the figures and statistics when that plugin is loaded (set up before this one).
  optionalDependsOn: ['ratings'],
  options: kpiOptions,
  migrations,
  provides: { settingsGroups: [kpiGroup] },
  hooks: { 'openChannel.beforeSave': checkRecipients },
  on: [
    subscribe(coreEvents.messageReceived, onMessageReceived),
    subscribe(coreEvents.messageCreated, onMessageCreated),
    subscribe(coreEvents.conversationOpened, onConversationOpened),
    subscribe(coreEvents.conversationAssigned, onConversationAssigned),
    subscribe(coreEvents.conversationStatusChanged, onStatusChanged)
  ],
  jobs: { [lateJobName]: lateJob },
  graphql: { agent: agentGraphQL },
  setup: (ctx) => {
    setRuntime(ctx)
    detectRatings(ctx)
  }
})

export default kpiPlugin

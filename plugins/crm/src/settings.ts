// The `crm` settings group of an open channel: which adapter, and the I1–I5/B7 switches.
import { Type, type FieldError, type PluginContext, type SettingsGroup, type Static, type Tx } from '@openline/sdk'

export const builtinAdapterId = 'builtin'

export const crmSettingsSchema = Type.Object({
  /** Off: the plugin leaves conversations of this channel alone. */
  enabled: Type.Boolean({ default: true }),
  /** The CRM adapter (`provides.crmAdapters`) records of this channel go to. */
  adapter: Type.String({ minLength: 1, maxLength: 100, default: builtinAdapterId }),
  /** The adapter's own settings, handed to it as they are. */
  adapterSettings: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  /** I1/I2: recognise a new identity by phone, e-mail or the same messenger id, and look the client up in the CRM. */
  recognise: Type.Boolean({ default: true }),
  /** I2: the same external user id of the same connector on another connection is the same person (Telegram ids are global, web-chat ids are random). */
  matchMessengerIdentity: Type.Boolean({ default: true }),
  /** I3: what happens for a client the CRM does not know. */
  unknownClient: Type.Union([Type.Literal('lead'), Type.Literal('deal'), Type.Literal('offer'), Type.Literal('none')], { default: 'lead' }),
  /** B7: a recognised client goes to the responsible person of their CRM record. */
  routeToResponsible: Type.Boolean({ default: true }),
  /** I4: a manual transfer makes the new agent responsible for leads and deals created from the chat. */
  changeResponsibleOnTransfer: Type.Boolean({ default: true }),
  /** I5: the chat log is attached to the conversation's CRM records when it closes. */
  saveChatOnClose: Type.Boolean({ default: true })
})

export type CrmSettings = Static<typeof crmSettingsSchema>

export const crmSettingsDefaults: CrmSettings = {
  enabled: true,
  adapter: builtinAdapterId,
  adapterSettings: {},
  recognise: true,
  matchMessengerIdentity: true,
  unknownClient: 'lead',
  routeToResponsible: true,
  changeResponsibleOnTransfer: true,
  saveChatOnClose: true
}

/** The group; `adapterExists` checks the adapter id against the registry once the app runs. */
export function crmSettingsGroup (adapterExists: (id: string) => boolean): SettingsGroup<typeof crmSettingsSchema> {
  return {
    id: 'crm',
    title: 'CRM',
    schema: crmSettingsSchema,
    defaults: crmSettingsDefaults,
    validate: (values): FieldError[] => adapterExists(values.adapter) ? [] : [{ path: '/adapter', message: `Unknown CRM adapter "${values.adapter}"` }]
  }
}

/** The channel's `crm` group with defaults, or null for an unknown channel. */
export async function crmSettingsOf (ctx: PluginContext<any>, openChannelId: string, tx?: Tx): Promise<CrmSettings | null> {
  const channel = await ctx.openChannel(openChannelId, tx)
  if (channel === null) return null
  return { ...crmSettingsDefaults, ...(channel.groups.crm as Partial<CrmSettings> | undefined) }
}

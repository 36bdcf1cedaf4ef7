// The CrmForm the core's `crmForm` group picks per open channel (E2, I6): which admin-defined form,
// when it is sent by itself, who becomes responsible, and the texts of the message.
import { Type, type CrmForm, type Static } from '@openline/sdk'
import type { FormField } from './definitions.ts'

export const formStrategyId = 'crm'

const idOrNull = Type.Union([Type.String({ pattern: '^[1-9][0-9]{0,18}$' }), Type.Null()], { default: null })

export const formSettingsSchema = Type.Object({
  /** A form of this plugin (`crmForms`); none: the channel sends no form by itself. */
  formId: idOrNull,
  /**
   * beforeDialog: as soon as the conversation opens, before anyone answers; afterFirstMessage: right
   * after the first answer the client gets (an agent's or a bot's); never: only when an agent sends it.
   */
  show: Type.Union([Type.Literal('beforeDialog'), Type.Literal('afterFirstMessage'), Type.Literal('never')], { default: 'never' }),
  /** I6: records made or completed by the form belong to the agent who accepted the conversation. */
  responsibleIsAcceptingAgent: Type.Boolean({ default: true }),
  /** With the option above off: this user is responsible instead (none: the usual rules). */
  responsibleUserId: idOrNull,
  /** The message above the link; `{form}` is replaced by the form's title. */
  messageText: Type.String({ minLength: 1, maxLength: 500, default: 'Please fill in the form "{form}":' }),
  buttonText: Type.String({ minLength: 1, maxLength: 64, default: 'Fill in the form' })
})

export type FormSettings = Static<typeof formSettingsSchema>

export const formSettingsDefaults: FormSettings = {
  formId: null,
  show: 'never',
  responsibleIsAcceptingAgent: true,
  responsibleUserId: null,
  messageText: 'Please fill in the form "{form}":',
  buttonText: 'Fill in the form'
}

/** The channel's form settings when it chose this plugin's forms, else null. */
export function formSettingsOf (groups: Record<string, Record<string, unknown>>): FormSettings | null {
  const group = groups.crmForm
  if (group?.form !== formStrategyId) return null
  return { ...formSettingsDefaults, ...(group.formSettings as Partial<FormSettings> | undefined) }
}

export interface FormStrategyDeps {
  /** The fields of a form as last read or written by this instance (`fields` must answer at once). */
  cachedFields: (formId: string) => FormField[]
  /** Check and store answers given through the SDK, as a form post would. */
  submit: (input: { conversationId: string, answers: Record<string, unknown>, settings: FormSettings, tx: Parameters<CrmForm['submit']>[0]['tx'] }) => Promise<void>
}

export function formStrategy (deps: FormStrategyDeps): CrmForm<typeof formSettingsSchema> {
  return {
    id: formStrategyId,
    title: 'CRM form (built-in CRM)',
    settingsSchema: formSettingsSchema,
    fields: (settings) => settings.formId === null ? [] : deps.cachedFields(settings.formId),
    submit: async ({ conversationId, answers, settings, tx }) => deps.submit({ conversationId, answers, settings: { ...formSettingsDefaults, ...settings }, tx })
  }
}

// Consent (ROADMAP D1): the settings group of the notice sent at the start of a conversation, and
// the record of each client's acceptance with its time and the version of the text accepted.
import { OpenlineError, Type, errorCodes, type Static, type FieldError, type SettingsGroup, type PluginMigration, type Tx, type Id, isId } from '@openline/sdk'
import { checkTemplate } from './runtime.ts'

export const consentLanguages = ['en', 'pt-BR', 'es', 'pl', 'ru'] as const
export type ConsentLanguage = typeof consentLanguages[number]

export const maxConsentText = 4000

const textSchema = Type.String({ maxLength: maxConsentText, description: 'Template; omitted: the shipped text' })

export const consentSchema = Type.Object({
  /** Send the personal-data / cookie notice at the start. */
  enabled: Type.Boolean({ default: false }),
  /** Stored with every acceptance; change it when the text changes materially, so clients are asked again. */
  textVersion: Type.String({ minLength: 1, maxLength: 50, default: '1' }),
  /** One template per language; the open channel's language picks one, falling back to en. */
  text: Type.Object({
    en: Type.Optional(textSchema),
    'pt-BR': Type.Optional(textSchema),
    es: Type.Optional(textSchema),
    pl: Type.Optional(textSchema),
    ru: Type.Optional(textSchema)
  }, { default: {} }),
  /** firstContact: once per client and open channel (per text version); everyConversation: at every new conversation. */
  askAt: Type.Union([Type.Literal('firstContact'), Type.Literal('everyConversation')], { default: 'firstContact' })
})

export type ConsentSettings = Static<typeof consentSchema>

export const consentDefaults: ConsentSettings = { enabled: false, textVersion: '1', text: {}, askAt: 'firstContact' }

/** Blank texts and versions (the schema counts characters, not meaning) and template syntax errors. */
export function validateConsent (values: ConsentSettings): FieldError[] {
  const errors: FieldError[] = []
  if (values.textVersion.trim() === '') errors.push({ path: '/textVersion', message: 'Must not be blank' })
  else if (values.textVersion.trim() !== values.textVersion) errors.push({ path: '/textVersion', message: 'Must not start or end with spaces' })
  for (const language of consentLanguages) {
    const text = values.text[language]
    errors.push(...checkTemplate(text, `/text/${language}`))
  }
  return errors
}

export const consentGroup: SettingsGroup<typeof consentSchema> = {
  id: 'consent',
  title: 'Consent',
  schema: consentSchema,
  defaults: consentDefaults,
  validate: validateConsent
}

/**
 * The notice template for an open channel's language: that language's text, else the English
 * one, else null (send the shipped default text of that language).
 */
export function consentText (settings: ConsentSettings, language: string): string | null {
  const own = (consentLanguages as readonly string[]).includes(language) ? settings.text[language as ConsentLanguage] : undefined
  return own ?? settings.text.en ?? null
}

export const consentMigrations: PluginMigration[] = [{
  name: '0001_consents',
  up: [
    `create table automation_consents (
      client_id bigint not null references clients(id) on delete cascade,
      open_channel_id bigint not null references open_channels(id) on delete cascade,
      text_version text not null,
      accepted_at timestamptz not null default now(),
      source text,
      primary key (client_id, open_channel_id, text_version)
    )`,
    // The client's history across channels (the clientConsents query).
    'create index automation_consents_client_accepted on automation_consents (client_id, accepted_at desc)'
  ],
  down: ['drop table automation_consents']
}]

export interface ConsentRecord {
  clientId: Id
  openChannelId: Id
  textVersion: string
  acceptedAt: Date
  source: string | null
}

interface ConsentRow {
  client_id: string
  open_channel_id: string
  text_version: string
  accepted_at: Date | string
  source: string | null
}

export { isId }

const columns = 'client_id::text as client_id, open_channel_id::text as open_channel_id, text_version, accepted_at, source'

function toRecord (row: ConsentRow): ConsentRecord {
  return {
    clientId: row.client_id,
    openChannelId: row.open_channel_id,
    textVersion: row.text_version,
    acceptedAt: row.accepted_at instanceof Date ? row.accepted_at : new Date(row.accepted_at),
    source: row.source
  }
}

export interface NewConsent {
  clientId: Id
  openChannelId: Id
  textVersion: string
  /** Where the acceptance came from, e.g. `button`, `message`, `widget`. */
  source?: string | null
}

/**
 * Record that the client accepted this version of the notice in this open channel. Idempotent:
 * accepting the same version again keeps the first acceptance (its time and source) and returns it.
 */
export async function recordConsent (tx: Pick<Tx, 'query'>, consent: NewConsent): Promise<ConsentRecord> {
  const fields: FieldError[] = []
  if (!isId(consent.clientId)) fields.push({ path: '/clientId', message: 'Expected an id' })
  if (!isId(consent.openChannelId)) fields.push({ path: '/openChannelId', message: 'Expected an id' })
  if (typeof consent.textVersion !== 'string' || consent.textVersion.length < 1 || consent.textVersion.length > 50) fields.push({ path: '/textVersion', message: 'Expected 1–50 characters' })
  if (consent.source != null && (typeof consent.source !== 'string' || consent.source.length > 100)) fields.push({ path: '/source', message: 'Expected at most 100 characters' })
  if (fields.length > 0) throw new OpenlineError(errorCodes.validation, 'Invalid consent', { fields })
  const inserted = await tx.query<ConsentRow>(
    `insert into automation_consents (client_id, open_channel_id, text_version, source) values (?, ?, ?, ?)
     on conflict (client_id, open_channel_id, text_version) do nothing returning ${columns}`,
    [consent.clientId, consent.openChannelId, consent.textVersion, consent.source ?? null])
  if (inserted[0] !== undefined) return toRecord(inserted[0])
  const existing = await tx.query<ConsentRow>(
    `select ${columns} from automation_consents where client_id = ? and open_channel_id = ? and text_version = ?`,
    [consent.clientId, consent.openChannelId, consent.textVersion])
  return toRecord(existing[0])
}

/** The client's latest acceptance in this open channel (any text version), or null. */
export async function consentOf (tx: Pick<Tx, 'query'>, clientId: Id, openChannelId: Id): Promise<ConsentRecord | null> {
  const rows = await tx.query<ConsentRow>(
    `select ${columns} from automation_consents where client_id = ? and open_channel_id = ? order by accepted_at desc, text_version desc limit 1`,
    [clientId, openChannelId])
  return rows[0] === undefined ? null : toRecord(rows[0])
}

/** Every acceptance of the client, newest first. */
export async function consentsOfClient (tx: Pick<Tx, 'query'>, clientId: Id): Promise<ConsentRecord[]> {
  const rows = await tx.query<ConsentRow>(
    `select ${columns} from automation_consents where client_id = ? order by accepted_at desc, open_channel_id, text_version`,
    [clientId])
  return rows.map(toRecord)
}

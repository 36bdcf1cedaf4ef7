// The built-in CRM's records: contacts, leads and deals as rows and refs, and making them.
import type { CrmRecordRef, Id, PluginContext, Tx } from '@openline/sdk'
import { asJson, date, rows, textArray, type Row } from './db.ts'
import type { ClientProfile } from './facts.ts'

export type RecordKind = 'contact' | 'lead' | 'deal'
export const recordKinds: readonly RecordKind[] = ['contact', 'lead', 'deal']

export const tableOf: Record<RecordKind, string> = { contact: 'crm_contacts', lead: 'crm_leads', deal: 'crm_deals' }

export const leadStatuses = ['new', 'inProgress', 'converted', 'junk'] as const
export const dealStages = ['new', 'inProgress', 'won', 'lost'] as const
export type LeadStatus = typeof leadStatuses[number]
export type DealStage = typeof dealStages[number]

export interface Contact {
  kind: 'contact'
  id: Id
  clientId: Id | null
  name: string | null
  phones: string[]
  emails: string[]
  responsibleUserId: Id | null
  conversationId: Id | null
  createdAt: Date
  updatedAt: Date
}

export interface Lead {
  kind: 'lead'
  id: Id
  clientId: Id | null
  contactId: Id | null
  title: string
  name: string | null
  phones: string[]
  emails: string[]
  status: LeadStatus
  source: string
  openChannelId: Id | null
  responsibleUserId: Id | null
  conversationId: Id | null
  createdAt: Date
  updatedAt: Date
}

export interface Deal {
  kind: 'deal'
  id: Id
  clientId: Id | null
  contactId: Id | null
  title: string
  stage: DealStage
  /** Decimal text with two places, e.g. "1250.00". */
  amount: string | null
  source: string
  openChannelId: Id | null
  responsibleUserId: Id | null
  conversationId: Id | null
  createdAt: Date
  updatedAt: Date
}

export type CrmRecord = Contact | Lead | Deal

export const contactColumns = 'id::text, client_id::text, name, phones, emails, responsible_id::text, conversation_id::text, created_at, updated_at'
export const leadColumns = 'id::text, client_id::text, contact_id::text, title, name, phones, emails, status, source, open_channel_id::text, responsible_id::text, conversation_id::text, created_at, updated_at'
export const dealColumns = 'id::text, client_id::text, contact_id::text, title, stage, amount::text, source, open_channel_id::text, responsible_id::text, conversation_id::text, created_at, updated_at'
export const columnsOf: Record<RecordKind, string> = { contact: contactColumns, lead: leadColumns, deal: dealColumns }

const common = (r: Row): { id: Id, clientId: Id | null, responsibleUserId: Id | null, conversationId: Id | null, createdAt: Date, updatedAt: Date } => ({
  id: r.id, clientId: r.client_id ?? null, responsibleUserId: r.responsible_id ?? null, conversationId: r.conversation_id ?? null,
  createdAt: date(r.created_at) as Date, updatedAt: date(r.updated_at) as Date
})

export function toRecord (kind: RecordKind, r: Row): CrmRecord {
  if (kind === 'contact') return { kind, ...common(r), name: r.name ?? null, phones: r.phones ?? [], emails: r.emails ?? [] }
  if (kind === 'lead') {
    return { kind, ...common(r), contactId: r.contact_id ?? null, title: r.title, name: r.name ?? null, phones: r.phones ?? [], emails: r.emails ?? [], status: r.status, source: r.source, openChannelId: r.open_channel_id ?? null }
  }
  return { kind, ...common(r), contactId: r.contact_id ?? null, title: r.title, stage: r.stage, amount: r.amount ?? null, source: r.source, openChannelId: r.open_channel_id ?? null }
}

export function titleOf (record: CrmRecord): string {
  return record.kind === 'contact' ? (record.name ?? `Contact #${record.id}`) : record.title
}

export function refOf (record: CrmRecord): CrmRecordRef {
  return { kind: record.kind, id: record.id, title: titleOf(record), responsibleUserId: record.responsibleUserId }
}

export async function readRecord (ctx: PluginContext<any>, kind: RecordKind, id: Id, tx?: Tx): Promise<CrmRecord | null> {
  const [row] = await rows(ctx, `select ${columnsOf[kind]} from ${tableOf[kind]} where id = ?`, [id], tx)
  return row === undefined ? null : toRecord(kind, row)
}

/** A display name for records of a client without one. */
const nameOrClient = (profile: ClientProfile): string => profile.client.name ?? `Client #${profile.client.id}`

/** The client's contact, made from what is known of them when there is none yet. */
export async function contactForClient (tx: Tx, profile: ClientProfile, input: { responsibleUserId: Id | null, conversationId: Id | null }): Promise<Contact> {
  const [existing] = await tx.query<Row>(`select ${contactColumns} from crm_contacts where client_id = ? order by id limit 1`, [profile.client.id])
  if (existing !== undefined) return await mergeIntoContact(tx, existing.id, profile) ?? toRecord('contact', existing) as Contact
  const [row] = await tx.query(
    `insert into crm_contacts (client_id, name, phones, emails, responsible_id, conversation_id) values (?, ?, ${textArray}, ${textArray}, ?, ?) returning ${contactColumns}`,
    [profile.client.id, profile.client.name, asJson(profile.phones), asJson(profile.emails), input.responsibleUserId, input.conversationId])
  return toRecord('contact', row) as Contact
}

/** New phones and e-mails of the client go onto the contact; a name only where it has none, or a form gave one. */
export async function mergeIntoContact (tx: Tx, contactId: Id, data: { client: { name: string | null }, phones: string[], emails: string[] }, options: { replaceName?: boolean } = {}): Promise<Contact | null> {
  const [row] = await tx.query(
    `update crm_contacts set
        name = case when ? and ?::text is not null then ?::text else coalesce(name, ?::text) end,
        phones = array(select distinct unnest(phones || ${textArray})),
        emails = array(select distinct unnest(emails || ${textArray})),
        updated_at = now()
      where id = ? returning ${contactColumns}`,
    [options.replaceName === true, data.client.name, data.client.name, data.client.name, asJson(data.phones), asJson(data.emails), contactId])
  return row === undefined ? null : toRecord('contact', row) as Contact
}

export interface NewRecordInput {
  profile: ClientProfile
  source: string
  openChannelId: Id | null
  conversationId: Id | null
  responsibleUserId: Id | null
}

export async function insertLead (tx: Tx, input: NewRecordInput): Promise<Lead> {
  const name = input.profile.client.name
  const [row] = await tx.query(
    `insert into crm_leads (client_id, title, name, phones, emails, source, open_channel_id, responsible_id, conversation_id)
     values (?, ?, ?, ${textArray}, ${textArray}, ?, ?, ?, ?) returning ${leadColumns}`,
    [input.profile.client.id, `${nameOrClient(input.profile)} (${input.source})`, name, asJson(input.profile.phones), asJson(input.profile.emails),
      input.source, input.openChannelId, input.responsibleUserId, input.conversationId])
  return toRecord('lead', row) as Lead
}

/** A deal with the client's contact (made when missing): "Save to CRM" (I5) and I3's deal option. */
export async function insertDeal (tx: Tx, input: NewRecordInput): Promise<Deal> {
  const contact = await contactForClient(tx, input.profile, input)
  const [row] = await tx.query(
    `insert into crm_deals (client_id, contact_id, title, source, open_channel_id, responsible_id, conversation_id)
     values (?, ?, ?, ?, ?, ?, ?) returning ${dealColumns}`,
    [input.profile.client.id, contact.id, `${nameOrClient(input.profile)} (${input.source})`, input.source, input.openChannelId, input.responsibleUserId, input.conversationId])
  return toRecord('deal', row) as Deal
}

/**
 * What the built-in CRM knows the client by (I1): their records, and contacts or leads holding one
 * of their phones or e-mails. Newest open deal first, then open leads, then contacts.
 */
export async function recordsOfClient (ctx: PluginContext<any>, profile: ClientProfile, tx?: Tx): Promise<CrmRecord[]> {
  const phones = asJson(profile.phones)
  const emails = asJson(profile.emails)
  // One after another: inside a transaction they share one connection anyway.
  const deals = await rows(ctx, `select ${dealColumns} from crm_deals where client_id = ? order by (stage in ('won', 'lost')), id desc limit 20`, [profile.client.id], tx)
  const leads = await rows(ctx, `select ${leadColumns} from crm_leads where client_id = ? or phones && ${textArray} or emails && ${textArray}
             order by (status in ('converted', 'junk')), id desc limit 20`, [profile.client.id, phones, emails], tx)
  const contacts = await rows(ctx, `select ${contactColumns} from crm_contacts where client_id = ? or phones && ${textArray} or emails && ${textArray}
             order by (client_id is distinct from ?), id limit 20`, [profile.client.id, phones, emails, profile.client.id], tx)
  return [...deals.map(r => toRecord('deal', r)), ...leads.map(r => toRecord('lead', r)), ...contacts.map(r => toRecord('contact', r))]
}

export const isOpen = (record: CrmRecord): boolean =>
  record.kind === 'contact' || (record.kind === 'lead' ? record.status !== 'converted' && record.status !== 'junk' : record.stage !== 'won' && record.stage !== 'lost')

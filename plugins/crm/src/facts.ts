// What the plugin knows about a core client: the core's row plus phones, e-mails and names learnt
// from channels, forms and messages (crm_client_facts). I1 looks clients up by these keys.
import type { ClientRecord, Id, PluginContext, Tx } from '@openline/sdk'
import { asJson, rows, textArray } from './db.ts'
import { cleanName, normalizeEmail, normalizePhone } from './normalize.ts'

export interface ClientFacts {
  name?: string | null
  phones?: string[]
  emails?: string[]
}

export type FactSource = 'channel' | 'form' | 'message' | 'crm'

export interface ClientProfile {
  /** The core's client with the best known name, phone and e-mail filled in. */
  client: ClientRecord
  phones: string[]
  emails: string[]
}

const unique = (values: (string | null)[]): string[] => [...new Set(values.filter((v): v is string => v !== null))]

/** Add what was learnt about a client; known facts are kept once. */
export async function recordFacts (tx: Tx, clientId: Id, facts: ClientFacts, source: FactSource): Promise<void> {
  const values: [string, string][] = []
  const name = cleanName(facts.name)
  if (name !== null) values.push(['name', name])
  for (const p of unique((facts.phones ?? []).map(normalizePhone))) values.push(['phone', p])
  for (const e of unique((facts.emails ?? []).map(normalizeEmail))) values.push(['email', e])
  if (values.length === 0) return
  await tx.query(
    `insert into crm_client_facts (client_id, kind, value, source) values ${values.map(() => '(?, ?, ?, ?)').join(', ')}
     on conflict (client_id, kind, value) do nothing`, values.flatMap(([kind, value]) => [clientId, kind, value, source]))
}

/** The client as the CRM sees it, or null when the core has no such client. */
export async function clientProfile (ctx: PluginContext<any>, clientId: Id, tx?: Tx): Promise<ClientProfile | null> {
  const [row] = await rows(ctx, 'select id::text, name, email, phone, locale from clients where id = ?', [clientId], tx)
  if (row === undefined) return null
  const facts = await rows<{ kind: string, value: string, source: string }>(ctx, 'select kind, value, source from crm_client_facts where client_id = ? order by id', [clientId], tx)
  const of = (kind: string): string[] => facts.filter(f => f.kind === kind).map(f => f.value)
  const phones = unique([normalizePhone(row.phone), ...of('phone')])
  const emails = unique([normalizeEmail(row.email), ...of('email')])
  // A name the client typed into a form beats the messenger's display name.
  const formName = facts.filter(f => f.kind === 'name' && f.source === 'form').at(-1)?.value ?? null
  const name = formName ?? cleanName(row.name) ?? of('name').at(-1) ?? null
  return {
    client: { id: row.id, name, email: emails[0] ?? null, phone: phones[0] ?? null, locale: row.locale ?? null },
    phones,
    emails
  }
}

/** I3: a lead needs a name and a way to reach the person (phone or e-mail). */
export function hasNameAndContact (profile: ClientProfile): boolean {
  return profile.client.name !== null && (profile.phones.length > 0 || profile.emails.length > 0)
}

/**
 * I1: another existing client known by one of these phones or e-mails (phones first; the oldest
 * client wins a tie), from the plugin's facts, built-in contacts and leads, or the core's own columns.
 * A client merged into another (I2) is never the answer: its person lives on in the target.
 */
export async function clientByContacts (tx: Tx, input: { phones: string[], emails: string[], exceptClientId: Id }): Promise<Id | null> {
  for (const [kind, values] of [['phone', input.phones], ['email', input.emails]] as const) {
    if (values.length === 0) continue
    const list = values.map(() => '?').join(', ')
    const column = kind === 'phone' ? 'phones' : 'emails'
    const [hit] = await tx.query<{ id: string }>(
      `select min(id)::text as id from (
         select f.client_id as id from crm_client_facts f where f.kind = ? and f.value in (${list})
         union all select k.client_id from crm_contacts k where k.${column} && ${textArray} and k.client_id is not null
         union all select l.client_id from crm_leads l where l.${column} && ${textArray} and l.client_id is not null
         union all select c.id from clients c where c.${kind} in (${list})
       ) found where id <> ? and exists (select 1 from clients c where c.id = found.id and c.merged_into_id is null)`,
      [kind, ...values, asJson(values), asJson(values), ...values, input.exceptClientId])
    if (hit?.id !== null && hit?.id !== undefined) return hit.id
  }
  return null
}

/** I2: the client of the same external user of the same connector on another connection. */
export async function clientBySameIdentity (tx: Tx, input: { connector: string, externalUserId: string, exceptIdentityId: Id, exceptClientId: Id }): Promise<Id | null> {
  const [hit] = await tx.query<{ id: string }>(
    `select i.client_id::text as id from client_identities i join channel_connections c on c.id = i.connection_id
      where c.connector = ? and i.external_user_id = ? and i.id <> ? and i.client_id <> ? order by i.id limit 1`,
    [input.connector, input.externalUserId, input.exceptIdentityId, input.exceptClientId])
  return hit?.id ?? null
}

// I1/I2 at ingest: before anything is created for a new identity, look for the person among the
// existing clients — the same messenger user on another connection, or a phone or e-mail already
// known — and link the identity to that client (the core then drops the client it just made).
import type { HookPayloads, PluginContext } from '@openline/sdk'
import { clientByContacts, clientBySameIdentity, recordFacts } from './facts.ts'
import { crmSettingsOf } from './settings.ts'
import { normalizeEmail, normalizePhone } from './normalize.ts'

export function identifyHook (context: () => PluginContext<any>): (payload: HookPayloads['client.identify']) => Promise<void> {
  return async (payload) => {
    const ctx = context()
    const { tx, inbound } = payload
    const [connection] = await tx.query<{ open_channel_id: string }>(
      'select open_channel_id::text from channel_connections where connector = ? and external_account_id = ?', [inbound.connector, inbound.externalAccountId])
    if (connection === undefined) return
    const settings = await crmSettingsOf(ctx, connection.open_channel_id, tx)
    const phone = normalizePhone(inbound.client?.phone)
    const email = normalizeEmail(inbound.client?.email)
    const facts = { name: inbound.client?.name ?? null, phones: phone === null ? [] : [phone], emails: email === null ? [] : [email] }
    let target: string | null = null
    if (settings !== null && settings.enabled && settings.recognise) {
      if (settings.matchMessengerIdentity) {
        target = await clientBySameIdentity(tx, { connector: inbound.connector, externalUserId: inbound.externalUserId, exceptIdentityId: payload.identityId, exceptClientId: payload.clientId })
      }
      target ??= await clientByContacts(tx, { phones: facts.phones, emails: facts.emails, exceptClientId: payload.clientId })
    }
    if (target !== null) payload.clientId = target
    // Kept for the next lookups; the name only where the channel gave none to the core's client.
    await recordFacts(tx, payload.clientId, { ...facts, name: target === null ? null : facts.name }, 'channel')
  }
}

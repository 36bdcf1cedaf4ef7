// The built-in CRM behind the same CrmAdapter interface an external CRM implements (I1, I3–I5).
import { Type, type CrmAdapter, type CrmRecordRef, type PluginContext } from '@openline/sdk'
import { clientProfile, type ClientProfile } from './facts.ts'
import { insertDeal, insertLead, isOpen, recordKinds, recordsOfClient, refOf, tableOf, type RecordKind } from './records.ts'
import { saveChatLog } from './activities.ts'
import { acceptedAgent } from './conversations.ts'
import { builtinAdapterId } from './settings.ts'

const settingsSchema = Type.Object({})

const kindOf = (ref: CrmRecordRef): RecordKind => {
  if (!(recordKinds as string[]).includes(ref.kind)) throw new Error(`The built-in CRM has no ${ref.kind} records`)
  return ref.kind as RecordKind
}

export function builtinAdapter (context: () => PluginContext<any>): CrmAdapter<typeof settingsSchema> {
  async function profileOf (client: { id: string, name: string | null, email: string | null, phone: string | null, locale: string | null }, tx: Parameters<CrmAdapter['findClient']>[0]['tx']): Promise<ClientProfile> {
    return await clientProfile(context(), client.id, tx) ?? { client, phones: client.phone === null ? [] : [client.phone], emails: client.email === null ? [] : [client.email] }
  }
  return {
    id: builtinAdapterId,
    title: 'Built-in CRM',
    settingsSchema,
    async findClient ({ client, tx }) {
      const records = await recordsOfClient(context(), await profileOf(client, tx), tx)
      // The record whose responsible person takes the client (B7): an open one with someone responsible first.
      const open = records.filter(isOpen)
      const best = open.find(r => r.responsibleUserId !== null) ?? open[0] ?? records[0]
      return best === undefined ? null : refOf(best)
    },
    async createRecord ({ client, kind, source, conversationId, tx }) {
      const profile = await profileOf(client, tx)
      const [conversation] = await tx.query<{ open_channel_id: string }>('select open_channel_id::text from conversations where id = ?', [conversationId])
      const input = { profile, source, openChannelId: conversation?.open_channel_id ?? null, conversationId, responsibleUserId: await acceptedAgent(tx, conversationId) }
      return refOf(kind === 'lead' ? await insertLead(tx, input) : await insertDeal(tx, input))
    },
    async saveActivity ({ record, conversationId, transcript, tx }) {
      await saveChatLog(tx, { kind: kindOf(record), id: record.id }, conversationId, transcript)
    },
    async setResponsible ({ record, userId, tx }) {
      await tx.query(`update ${tableOf[kindOf(record)]} set responsible_id = ?, updated_at = now() where id = ?`, [userId, record.id])
    }
  }
}

// B7: a recognised client goes to the responsible person of their CRM record, when that person is
// among the agents able to take the conversation now (the core checks it again) and has not
// already skipped it or let it expire.
import type { HookPayloads, PluginContext } from '@openline/sdk'
import { crmSettingsOf } from './settings.ts'
import { adapterOf, linksOfConversation } from './links.ts'
import { clientProfile } from './facts.ts'

export function beforeAssignHook (context: () => PluginContext<any>): (payload: HookPayloads['conversation.beforeAssign']) => Promise<void> {
  return async (payload) => {
    if (payload.preferredAgentId !== null || payload.candidates.length === 0) return
    const ctx = context()
    const { tx, conversation } = payload
    const settings = await crmSettingsOf(ctx, conversation.openChannelId, tx)
    if (settings === null || !settings.enabled || !settings.routeToResponsible) return
    const adapter = adapterOf(ctx, settings)
    if (adapter === null) return
    // Records already linked to this conversation first (found or made for it), else ask the CRM.
    const linked = (await linksOfConversation(ctx, conversation.id, tx)).find(l => l.adapter === adapter.id && (l.ref.responsibleUserId ?? null) !== null)
    let responsible = linked?.ref.responsibleUserId ?? null
    if (responsible === null && settings.recognise) {
      const profile = await clientProfile(ctx, conversation.clientId, tx)
      if (profile === null) return
      responsible = (await adapter.findClient({ client: profile.client, settings: settings.adapterSettings, tx }))?.responsibleUserId ?? null
    }
    if (responsible === null || !payload.candidates.includes(responsible)) return
    const [declined] = await tx.query("select 1 from conversation_offers where conversation_id = ? and user_id = ? and state in ('skipped', 'expired')", [conversation.id, responsible])
    if (declined === undefined) payload.preferredAgentId = responsible
  }
}

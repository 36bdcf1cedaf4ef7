// Which CRM records a conversation belongs to, for whichever adapter made or found them. It is
// what `Conversation.crm` shows, where I5 attaches the chat log and what I4 may re-assign.
import type { CrmAdapter, CrmRecordRef, Id, PluginContext, Tx } from '@openline/sdk'
import { rows } from './db.ts'
import { builtinAdapterId, type CrmSettings } from './settings.ts'

export interface LinkedRecord {
  conversationId: Id
  adapter: string
  ref: CrmRecordRef
  /** Made from this conversation (I3, "Save to CRM", a form), rather than found (I1). */
  createdHere: boolean
}

export async function linkRecord (tx: Tx, conversationId: Id, adapter: string, ref: CrmRecordRef, createdHere: boolean): Promise<void> {
  await tx.query(
    `insert into crm_conversation_links (conversation_id, adapter, kind, record_id, title, responsible_id, url, created_here) values (?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (conversation_id, adapter, kind, record_id) do update
       set title = excluded.title, responsible_id = excluded.responsible_id, url = coalesce(excluded.url, crm_conversation_links.url),
           created_here = crm_conversation_links.created_here or excluded.created_here`,
    [conversationId, adapter, ref.kind, ref.id, ref.title ?? null, ref.responsibleUserId ?? null, ref.url ?? null, createdHere])
}

// Built-in records are joined live (titles and responsible people change); others show what the adapter said.
const live = (kind: string, table: string, alias: string): string =>
  `left join ${table} ${alias} on ${alias}.id = case when l.adapter = '${builtinAdapterId}' and l.kind = '${kind}' then l.record_id::bigint end`

/** The linked records of each conversation, in one query for all of them. */
export async function linksOf (ctx: PluginContext<any>, conversationIds: Id[], tx?: Tx): Promise<Map<Id, LinkedRecord[]>> {
  const out = new Map<Id, LinkedRecord[]>(conversationIds.map(id => [id, []]))
  if (conversationIds.length === 0) return out
  const list = await rows(ctx,
    `select l.conversation_id::text, l.adapter, l.kind, l.record_id, l.created_here, l.url,
            case when l.adapter = '${builtinAdapterId}' then coalesce(k.name, ld.title, d.title, 'Contact #' || k.id) else l.title end as title,
            case when l.adapter = '${builtinAdapterId}' then coalesce(k.responsible_id, ld.responsible_id, d.responsible_id)::text else l.responsible_id end as responsible_id,
            l.adapter <> '${builtinAdapterId}' or k.id is not null or ld.id is not null or d.id is not null as present
       from crm_conversation_links l
       ${live('contact', 'crm_contacts', 'k')} ${live('lead', 'crm_leads', 'ld')} ${live('deal', 'crm_deals', 'd')}
      where l.conversation_id in (${conversationIds.map(() => '?').join(', ')})
      order by l.created_at, case l.kind when 'deal' then 0 when 'lead' then 1 when 'contact' then 3 else 2 end, l.record_id`, conversationIds, tx)
  for (const r of list) {
    if (r.present !== true) continue
    out.get(r.conversation_id)?.push({
      conversationId: r.conversation_id,
      adapter: r.adapter,
      ref: { kind: r.kind, id: r.record_id, title: r.title ?? undefined, responsibleUserId: r.responsible_id ?? null, ...(r.url !== null ? { url: r.url } : {}) },
      createdHere: r.created_here
    })
  }
  return out
}

export async function linksOfConversation (ctx: PluginContext<any>, conversationId: Id, tx?: Tx): Promise<LinkedRecord[]> {
  return (await linksOf(ctx, [conversationId], tx)).get(conversationId) ?? []
}

/** The channel's adapter, or null when it is not loaded (the settings named one since removed). */
export function adapterOf (ctx: PluginContext<any>, settings: CrmSettings): CrmAdapter | null {
  const adapter = ctx.registry.crmAdapter(settings.adapter)
  if (adapter === undefined) ctx.log.warn({ adapter: settings.adapter }, 'crm: the open channel names a CRM adapter that is not loaded')
  return adapter ?? null
}

// I2 manual merge and split are the core's (clients and identities are its tables); the CRM
// follows: a merge moves the source client's CRM rows to the target and remembers which, so undoing
// it moves exactly those back; a split takes the leads and deals made from the split identity's
// conversations along. Handlers are idempotent and tolerate an undo processed before its merge.
import { coreEvents, subscribe, type EventPayload, type PluginContext, type Subscriber, type Tx } from '@openline/sdk'

const movedTables = ['crm_contacts', 'crm_leads', 'crm_deals', 'crm_client_facts'] as const

type Merged = EventPayload<typeof coreEvents.clientsMerged>
type Split = EventPayload<typeof coreEvents.clientSplit>

async function onMerged (payload: Merged, tx: Tx): Promise<void> {
  const [merge] = await tx.query<{ state: string }>(
    `insert into crm_merges (merge_id, source_client_id, target_client_id, state) values (?, ?, ?, 'merged')
     on conflict (merge_id) do update set updated_at = crm_merges.updated_at returning state`, [payload.mergeId, payload.sourceClientId, payload.targetClientId])
  if (merge.state === 'undone') return
  for (const table of movedTables) {
    // A fact the target already has stays with the source (one row per client and value).
    const duplicate = table === 'crm_client_facts'
      ? 'and not exists (select 1 from crm_client_facts t where t.client_id = ? and t.kind = x.kind and t.value = x.value)'
      : ''
    await tx.query(
      `insert into crm_merge_moves (merge_id, table_name, row_id, from_client_id)
       select ?, ?, x.id, x.client_id from ${table} x where x.client_id = ? ${duplicate} on conflict do nothing`,
      table === 'crm_client_facts' ? [payload.mergeId, table, payload.sourceClientId, payload.targetClientId] : [payload.mergeId, table, payload.sourceClientId])
    await tx.query(
      `update ${table} x set client_id = ? from crm_merge_moves m
        where m.merge_id = ? and m.table_name = ? and m.row_id = x.id and x.client_id = m.from_client_id`,
      [payload.targetClientId, payload.mergeId, table])
  }
}

async function onMergeUndone (payload: Merged, tx: Tx): Promise<void> {
  await tx.query(
    `insert into crm_merges (merge_id, source_client_id, target_client_id, state) values (?, ?, ?, 'undone')
     on conflict (merge_id) do update set state = 'undone', updated_at = now()`, [payload.mergeId, payload.sourceClientId, payload.targetClientId])
  for (const table of movedTables) {
    // Only rows still with the target: whatever staff moved on since stays where they put it.
    await tx.query(
      `update ${table} x set client_id = m.from_client_id from crm_merge_moves m
        where m.merge_id = ? and m.table_name = ? and m.row_id = x.id and x.client_id = ?`,
      [payload.mergeId, table, payload.targetClientId])
  }
}

async function onSplit (payload: Split, tx: Tx): Promise<void> {
  for (const table of ['crm_leads', 'crm_deals']) {
    await tx.query(
      `update ${table} x set client_id = ?, updated_at = now()
        where x.client_id = ? and x.conversation_id in (select c.id from conversations c where c.client_identity_id = ?)`,
      [payload.toClientId, payload.fromClientId, payload.identityId])
  }
}

export const mergeSubscribers: Subscriber[] = [
  subscribe(coreEvents.clientsMerged, async (payload: Merged, tx: Tx, _ctx: PluginContext) => onMerged(payload, tx)),
  subscribe(coreEvents.clientMergeUndone, async (payload: Merged, tx: Tx, _ctx: PluginContext) => onMergeUndone(payload, tx)),
  subscribe(coreEvents.clientSplit, async (payload: Split, tx: Tx, _ctx: PluginContext) => onSplit(payload, tx))
]

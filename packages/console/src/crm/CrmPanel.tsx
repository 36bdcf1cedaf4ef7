// I1–I6 / E2 in the conversation: the CRM records of this conversation and its client, Save to
// CRM (a deal with the chat log), a lead or deal made from the chat, and sending a CRM form.
import { useEffect, useState } from 'preact/hooks'
import { errorText, useConsole } from '../context.ts'
import { safeUrl, userName } from '../format.ts'
import { routeHash } from '../route.ts'
import type { Conversation } from '../types.ts'
import { consoleKind, kindLabels, recordRefSelection, type CrmFormSummary, type CrmRecordRef } from './crm.ts'

export function CrmPanel (props: { conversation: Conversation }) {
  const { api, schema, users, toast } = useConsole()
  const [records, setRecords] = useState<CrmRecordRef[] | null>(null)
  const [forms, setForms] = useState<CrmFormSummary[] | null>(null)
  const [formId, setFormId] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const id = props.conversation.id
  const can = (mutation: string): boolean => schema.plugin('Mutation', mutation)

  async function load (): Promise<void> {
    try {
      const data = await api.request<{ conversation: { crm: CrmRecordRef[] } | null }>(`query ConsoleCrm($id: ID!) { conversation(id: $id) { crm { ${recordRefSelection} } } }`, { id })
      setRecords(data.conversation?.crm ?? [])
    } catch (err) {
      setError(errorText(err))
    }
  }
  useEffect(() => { void load() }, [id])
  useEffect(() => {
    if (!can('sendCrmForm') || !schema.plugin('Query', 'crmForms')) return
    api.request<{ crmForms: CrmFormSummary[] }>('query ConsoleCrmForms { crmForms { id title } }').then(d => setForms(d.crmForms), () => setForms([]))
  }, [])

  async function run (label: string, document: string, variables: Record<string, unknown>): Promise<void> {
    setBusy(true)
    setError(null)
    try {
      await api.request(document, variables)
      toast(label)
      await load()
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }
  const save = (): Promise<void> => run('Saved to CRM', `mutation ConsoleCrmSave($id: ID!) { saveConversationToCrm(conversationId: $id) { ${recordRefSelection} } }`, { id })
  const create = (kind: 'lead' | 'deal'): Promise<void> => run(`${kindLabels[kind]} created`, `mutation ConsoleCrmCreate($id: ID!, $kind: CrmCreateKind!) { createCrmRecordFromConversation(conversationId: $id, kind: $kind) { ${recordRefSelection} } }`, { id, kind })
  const sendForm = (): Promise<void> => run('Form sent', 'mutation ConsoleCrmForm($id: ID!, $form: ID) { sendCrmForm(conversationId: $id, formId: $form) { id url } }', { id, form: formId === '' ? null : formId })

  return (
    <section class='side-section crm-panel'>
      <h3>CRM</h3>
      {records === null && error === null && <p class='muted'>Loading…</p>}
      {records !== null && records.length === 0 && <p class='muted crm-empty'>No CRM records yet.</p>}
      {records !== null && records.length > 0 && (
        <ul class='crm-records'>
          {records.map(r => {
            const kind = consoleKind(r)
            const external = kind === null ? safeUrl(r.url) : null
            const title = r.title ?? `${kindLabels[r.kind] ?? r.kind} #${r.id}`
            return (
              <li key={`${r.adapter}:${r.kind}:${r.id}`} class={`crm-record crm-${r.kind}`} data-crm-kind={r.kind} data-crm-id={r.id}>
                <span class='crm-kind'>{kindLabels[r.kind] ?? r.kind}</span>
                {kind !== null
                  ? <a href={routeHash({ page: 'crm', kind, id: r.id })}>{title}</a>
                  : external !== null ? <a href={external} target='_blank' rel='noopener noreferrer'>{title}</a> : <span>{title}</span>}
                <span class='muted'>{r.responsibleUserId === null ? '' : userName(users, r.responsibleUserId)}{r.createdFromConversation ? ' · from this chat' : ''}</span>
              </li>
            )
          })}
        </ul>
      )}
      {error !== null && <p class='form-error' role='alert'>{error}</p>}
      <div class='side-actions'>
        {can('saveConversationToCrm') && <button type='button' class='crm-save' disabled={busy} onClick={() => { void save() }}>Save to CRM</button>}
        {can('createCrmRecordFromConversation') && <button type='button' class='crm-create-lead' disabled={busy} onClick={() => { void create('lead') }}>Create lead</button>}
        {can('createCrmRecordFromConversation') && <button type='button' class='crm-create-deal' disabled={busy} onClick={() => { void create('deal') }}>Create deal</button>}
      </div>
      {can('sendCrmForm') && (
        <form class='crm-send-form' onSubmit={(e) => { e.preventDefault(); void sendForm() }}>
          <label>Form
            <select name='formId' value={formId} onChange={(e) => setFormId(e.currentTarget.value)}>
              <option value=''>The channel's form</option>
              {(forms ?? []).map(f => <option key={f.id} value={f.id}>{f.title}</option>)}
            </select>
          </label>
          <button type='submit' class='crm-send' disabled={busy}>Send form</button>
        </form>
      )}
    </section>
  )
}

// One CRM record: its facts, the conversation it came from, and its activities with a note form.
import { Fragment } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { errorText, useConsole } from '../context.ts'
import { timeOf, userName } from '../format.ts'
import { routeHash, type CrmKind } from '../route.ts'
import { kindLabels } from './crm.ts'

interface Activity { id: string, kind: 'chat' | 'form' | 'note', body: string, answers: Record<string, unknown> | null, conversationId: string | null, authorUserId: string | null, createdAt: string }
interface RecordData {
  id: string
  title?: string
  name?: string | null
  status?: string
  stage?: string
  amount?: string | null
  phones?: string[]
  emails?: string[]
  responsibleUserId: string | null
  conversationId: string | null
  createdAt: string
  activities: { nodes: Activity[] }
}

const queries: Record<CrmKind, { field: string, selection: string }> = {
  contact: { field: 'crmContact', selection: 'name phones emails' },
  lead: { field: 'crmLead', selection: 'title name phones emails status' },
  deal: { field: 'crmDeal', selection: 'title stage amount' }
}

const activityLabels: Record<string, string> = { chat: 'Chat log', form: 'Form answers', note: 'Note' }

export function CrmRecordView (props: { kind: CrmKind, id: string }) {
  const { api, schema, users, toast } = useConsole()
  const [record, setRecord] = useState<RecordData | null | undefined>(undefined)
  const [note, setNote] = useState('')
  const [error, setError] = useState<string | null>(null)
  const q = queries[props.kind]

  async function load (): Promise<void> {
    try {
      const data = await api.request<{ record: RecordData | null }>(
        `query ConsoleCrmRecord($id: ID!) { record: ${q.field}(id: $id) { id ${q.selection} responsibleUserId conversationId createdAt activities(first: 50) { nodes { id kind body answers conversationId authorUserId createdAt } } } }`, { id: props.id })
      setRecord(data.record)
    } catch (err) {
      setError(errorText(err))
      setRecord(null)
    }
  }
  useEffect(() => { void load() }, [])

  async function addNote (e: Event): Promise<void> {
    e.preventDefault()
    try {
      await api.request('mutation ConsoleCrmNote($kind: CrmRecordKind!, $id: ID!, $body: String!) { addCrmNote(kind: $kind, id: $id, body: $body) { id } }', { kind: props.kind, id: props.id, body: note })
      setNote('')
      toast('Note added')
      await load()
    } catch (err) {
      setError(errorText(err))
    }
  }

  if (record === undefined) return <p class='muted'>Loading…</p>
  if (record === null) return <p class='form-error'>{error ?? 'This record does not exist or you may not see it.'}</p>
  const facts: [string, string][] = [
    ['Name', record.name ?? ''],
    ['Status', record.status ?? ''],
    ['Stage', record.stage ?? ''],
    ['Amount', record.amount ?? ''],
    ['Phones', (record.phones ?? []).join(', ')],
    ['E-mails', (record.emails ?? []).join(', ')],
    ['Responsible', record.responsibleUserId === null ? '' : userName(users, record.responsibleUserId)],
    ['Created', timeOf(record.createdAt)]
  ]
  return (
    <article class='crm-record-view' data-crm-kind={props.kind} data-crm-id={record.id}>
      <h2>{kindLabels[props.kind]}: {record.title ?? record.name ?? `#${record.id}`}</h2>
      <dl class='facts'>
        {facts.filter(([, v]) => v !== '').map(([k, v]) => <Fragment key={k}><dt>{k}</dt><dd>{v}</dd></Fragment>)}
        {record.conversationId !== null && <><dt>Conversation</dt><dd><a href={routeHash({ page: 'conversations', id: record.conversationId })}>#{record.conversationId}</a></dd></>}
      </dl>
      <h3>Activities</h3>
      {record.activities.nodes.length === 0 && <p class='muted'>None yet.</p>}
      <ol class='crm-activities'>
        {record.activities.nodes.map(a => (
          <li key={a.id} class={`crm-activity crm-activity-${a.kind}`}>
            <div class='message-meta'><strong>{activityLabels[a.kind] ?? a.kind}</strong> <span>{timeOf(a.createdAt)}</span>{a.authorUserId !== null && <span>{userName(users, a.authorUserId)}</span>}</div>
            {a.answers !== null && typeof a.answers === 'object'
              ? <dl class='facts'>{Object.entries(a.answers).map(([k, v]) => <Fragment key={k}><dt>{k}</dt><dd>{String(v)}</dd></Fragment>)}</dl>
              : <pre class='activity-body'>{a.body}</pre>}
          </li>
        ))}
      </ol>
      {schema.plugin('Mutation', 'addCrmNote') && (
        <form class='crm-note' onSubmit={addNote}>
          <label>Add a note<textarea name='note' value={note} onInput={(e) => setNote(e.currentTarget.value)} /></label>
          {error !== null && <p class='form-error'>{error}</p>}
          <button type='submit' class='primary' disabled={note.trim() === ''}>Add note</button>
        </form>
      )}
    </article>
  )
}

// The built-in CRM's records (contacts, leads, deals): lists newest first, and one record with
// its activities (chat logs, form answers, notes).
import { useEffect, useState } from 'preact/hooks'
import { errorText, useConsole, useDebounced } from '../context.ts'
import { timeOf, userName } from '../format.ts'
import { routeHash, type CrmKind } from '../route.ts'
import { CrmRecordView } from './CrmRecordView.tsx'

interface Row { id: string, name?: string | null, title?: string, status?: string, stage?: string, amount?: string | null, phones?: string[], emails?: string[], responsibleUserId: string | null, createdAt: string }

const lists: Record<CrmKind, { label: string, field: string, selection: string }> = {
  contact: { label: 'Contacts', field: 'crmContacts', selection: 'id name phones emails responsibleUserId createdAt' },
  lead: { label: 'Leads', field: 'crmLeads', selection: 'id title name status responsibleUserId createdAt' },
  deal: { label: 'Deals', field: 'crmDeals', selection: 'id title stage amount responsibleUserId createdAt' }
}

export function CrmPage (props: { kind: CrmKind, id: string | null }) {
  const { api, users } = useConsole()
  const [rows, setRows] = useState<Row[]>([])
  const [search, setSearch] = useState('')
  const [error, setError] = useState<string | null>(null)
  const list = lists[props.kind]

  async function load (): Promise<void> {
    try {
      const withSearch = props.kind === 'contact' && search.trim() !== ''
      const data = await api.request<Record<string, { nodes: Row[] }>>(
        `query ConsoleCrmList${withSearch ? '($s: String)' : ''} { list: ${list.field}(first: 100${withSearch ? ', search: $s' : ''}) { nodes { ${list.selection} } } }`,
        withSearch ? { s: search.trim() } : {})
      setRows(data.list.nodes)
      setError(null)
    } catch (err) {
      setError(errorText(err))
    }
  }
  const reload = useDebounced(() => { void load() }, 250)
  useEffect(() => { void load() }, [props.kind])

  return (
    <div class='page crm-page'>
      <section class='page-list'>
        <nav class='tabs' aria-label='CRM records'>
          {(Object.keys(lists) as CrmKind[]).map(k => (
            <a key={k} href={routeHash({ page: 'crm', kind: k, id: null })} class={`tab${k === props.kind ? ' active' : ''}`}>{lists[k].label}</a>
          ))}
        </nav>
        {props.kind === 'contact' && (
          <input type='search' name='search' placeholder='Name, phone or e-mail' value={search} onInput={(e) => { setSearch(e.currentTarget.value); reload() }} />
        )}
        {error !== null && <p class='form-error'>{error}</p>}
        {rows.length === 0 && error === null && <p class='muted empty-list'>No {list.label.toLowerCase()}.</p>}
        <ul class='crm-list'>
          {rows.map(r => (
            <li key={r.id} class={`list-item${r.id === props.id ? ' selected' : ''}`} data-crm-id={r.id}>
              <a href={routeHash({ page: 'crm', kind: props.kind, id: r.id })} class='list-open'>
                <span class='list-title'>{r.title ?? r.name ?? `#${r.id}`}</span>
                <span class='muted'>{r.status ?? r.stage ?? ''}{(r.amount ?? null) !== null ? ` · ${r.amount}` : ''}</span>
                <span class='list-time'>{timeOf(r.createdAt)}</span>
                <span class='preview'>{[...(r.phones ?? []), ...(r.emails ?? [])].join(', ') || userName(users, r.responsibleUserId)}</span>
              </a>
            </li>
          ))}
        </ul>
      </section>
      <section class='page-detail'>
        {props.id === null
          ? <p class='muted'>Pick a record.</p>
          : <CrmRecordView key={`${props.kind}:${props.id}`} kind={props.kind} id={props.id} />}
      </section>
    </div>
  )
}

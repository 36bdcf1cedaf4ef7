// All conversations the agent may see, filtered by status, open channel and assignee, with the
// columns of the column registry.
import { useEffect, useState } from 'preact/hooks'
import { errorText, useConsole, useDebounced, useFeed } from './context.ts'
import { visibleColumns } from './columns.tsx'
import { statusLabels } from './format.ts'
import type { Conversation } from './types.ts'

export interface ListFilters {
  status: string
  openChannelId: string
  assigneeId: string
}

const pageSize = 50

export function ConversationList (props: { selected: string | null, unread: Map<string, number>, filters: ListFilters, onFilters: (f: ListFilters) => void }) {
  const { api, sel, schema, me, users, userList, openChannels, open } = useConsole()
  const [rows, setRows] = useState<Conversation[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const columns = visibleColumns(field => schema.plugin('Conversation', field))
  const { filters } = props

  const query = `query ConsoleConversations($status: [ConversationStatus!], $openChannelId: ID, $assigneeId: ID, $first: Int, $after: String) {
    conversations(status: $status, openChannelId: $openChannelId, assigneeId: $assigneeId, first: $first, after: $after) { nodes { ${sel.conversation} } nextCursor }
  }`
  // Unset filters are left out rather than sent as null: "not given" is what the server expects.
  const variables = (after: string | null): Record<string, unknown> => ({
    ...(filters.status === '' ? {} : { status: [filters.status] }),
    ...(filters.openChannelId === '' ? {} : { openChannelId: filters.openChannelId }),
    ...(filters.assigneeId === '' ? {} : { assigneeId: filters.assigneeId }),
    ...(after === null ? {} : { after }),
    first: pageSize
  })

  async function load (): Promise<void> {
    try {
      const data = await api.request<{ conversations: { nodes: Conversation[], nextCursor: string | null } }>(query, variables(null))
      setRows(data.conversations.nodes)
      setCursor(data.conversations.nextCursor)
      setError(null)
    } catch (err) {
      setError(errorText(err))
    }
  }
  async function more (): Promise<void> {
    if (cursor === null) return
    try {
      const data = await api.request<{ conversations: { nodes: Conversation[], nextCursor: string | null } }>(query, variables(cursor))
      setRows(list => [...list, ...data.conversations.nodes.filter(n => !list.some(r => r.id === n.id))])
      setCursor(data.conversations.nextCursor)
    } catch (err) {
      setError(errorText(err))
    }
  }
  const refresh = useDebounced(() => { void load() }, 300)
  useEffect(() => { void load() }, [filters.status, filters.openChannelId, filters.assigneeId])
  useFeed((event) => {
    if (event.type === 'conversationUpdated' || event.type === 'messageAdded') refresh()
    // #6: a rating shows in its row at once (the rating column), without reading the list again.
    else if (event.type === 'conversationRated') setRows(list => list.map(r => r.id === event.rating.conversationId ? { ...r, rating: event.rating } : r))
  })

  const set = (patch: Partial<ListFilters>): void => props.onFilters({ ...filters, ...patch })

  return (
    <section class='list conversation-list' aria-label='Conversations'>
      <div class='filters'>
        <label>Status
          <select name='status' value={filters.status} onChange={(e) => set({ status: e.currentTarget.value })}>
            <option value=''>Any</option>
            {Object.entries(statusLabels).map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </label>
        <label>Channel
          <select name='openChannelId' value={filters.openChannelId} onChange={(e) => set({ openChannelId: e.currentTarget.value })}>
            <option value=''>Any</option>
            {openChannels.map(c => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        <label>Assignee
          <select name='assigneeId' value={filters.assigneeId} onChange={(e) => set({ assigneeId: e.currentTarget.value })}>
            <option value=''>Anyone</option>
            <option value={me.id}>Me</option>
            {userList.filter(u => u.id !== me.id).map(u => <option key={u.id} value={u.id}>{u.name}</option>)}
          </select>
        </label>
      </div>
      {error !== null && <p class='form-error'>{error}</p>}
      <table class='conversation-table'>
        <thead><tr>{columns.map(c => <th key={c.id} scope='col'>{c.title}</th>)}</tr></thead>
        <tbody>
          {rows.map(row => (
            <tr key={row.id} class={row.id === props.selected ? 'selected' : ''} data-conversation-id={row.id} onClick={() => open(row.id)}>
              {columns.map((c, i) => (
                <td key={c.id} class={`col-${c.id}`}>
                  {i === 0
                    ? <a href={`#/conversations/${row.id}`}>{c.render(row, { users })}{(props.unread.get(row.id) ?? 0) > 0 && <span class='badge'>{props.unread.get(row.id)}</span>}</a>
                    : c.render(row, { users })}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && error === null && <p class='muted empty-list'>No conversations match.</p>}
      {cursor !== null && <button type='button' class='more' onClick={more}>Load more</button>}
    </section>
  )
}

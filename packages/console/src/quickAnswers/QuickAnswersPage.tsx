// E9: manage quick answers — search, create, edit and delete (where `canEdit`), for one open
// channel or every channel, shared or personal.
import { useEffect, useState } from 'preact/hooks'
import { errorText, useConsole, useDebounced } from '../context.ts'
import { answerSelection, type QuickAnswer } from './quickAnswer.ts'
import { QuickAnswerForm } from './QuickAnswerForm.tsx'

export function QuickAnswersPage () {
  const { api, openChannels, toast } = useConsole()
  const [search, setSearch] = useState('')
  const [channel, setChannel] = useState('')
  const [list, setList] = useState<QuickAnswer[] | null>(null)
  const [cursor, setCursor] = useState<string | null>(null)
  const [editing, setEditing] = useState<QuickAnswer | 'new' | null>(null)
  const [error, setError] = useState<string | null>(null)
  const channelName = (id: string | null): string => id === null ? 'All channels' : openChannels.find(c => c.id === id)?.name ?? `Channel #${id}`

  async function load (after: string | null = null): Promise<void> {
    try {
      const data = await api.request<{ quickAnswers: { nodes: QuickAnswer[], nextCursor: string | null } }>(
        `query ConsoleManageQuickAnswers($oc: ID, $s: String, $after: String) { quickAnswers(openChannelId: $oc, search: $s, order: manual, first: 100, after: $after) { nodes { ${answerSelection} } nextCursor } }`,
        { oc: channel === '' ? null : channel, s: search.trim() === '' ? null : search.trim(), after })
      setList(prev => after === null ? data.quickAnswers.nodes : [...(prev ?? []), ...data.quickAnswers.nodes])
      setCursor(data.quickAnswers.nextCursor)
      setError(null)
    } catch (err) {
      setError(errorText(err))
    }
  }
  const reload = useDebounced(() => { void load() }, 250)
  useEffect(() => { void load() }, [channel])

  async function remove (qa: QuickAnswer): Promise<void> {
    try {
      await api.request('mutation ConsoleDeleteQuickAnswer($id: ID!) { deleteQuickAnswer(id: $id) }', { id: qa.id })
      toast('Quick answer deleted')
      setList(l => (l ?? []).filter(x => x.id !== qa.id))
    } catch (err) {
      toast(errorText(err), 'error')
    }
  }

  return (
    <div class='page quick-answers-page'>
      <header class='page-header'>
        <h1>Quick answers</h1>
        <button type='button' class='primary new-quick-answer' onClick={() => setEditing('new')}>New quick answer</button>
      </header>
      <div class='filters'>
        <label>Search<input type='search' name='search' value={search} onInput={(e) => { setSearch(e.currentTarget.value); reload() }} /></label>
        <label>Channel
          <select name='openChannelId' value={channel} onChange={(e) => setChannel(e.currentTarget.value)}>
            <option value=''>Any</option>
            {openChannels.map(c => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
      </div>
      {error !== null && <p class='form-error'>{error}</p>}
      {list !== null && list.length === 0 && <p class='muted empty-list'>No quick answers.</p>}
      <table class='data-table quick-answer-table'>
        <thead><tr><th scope='col'>Title</th><th scope='col'>Text</th><th scope='col'>Category</th><th scope='col'>Channel</th><th scope='col'>Used</th><th scope='col' /></tr></thead>
        <tbody>
          {(list ?? []).map(qa => (
            <tr key={qa.id} data-answer-id={qa.id}>
              <td class='qa-title'>{qa.title ?? ''}{qa.personal && <span class='chip'>personal</span>}</td>
              <td class='qa-text'>{qa.text}</td>
              <td>{qa.category ?? ''}</td>
              <td>{channelName(qa.openChannelId)}</td>
              <td>{qa.usageCount}</td>
              <td class='row-actions'>
                {qa.canEdit && <button type='button' class='edit-quick-answer' onClick={() => setEditing(qa)}>Edit</button>}
                {qa.canEdit && <button type='button' class='delete-quick-answer' onClick={() => { void remove(qa) }}>Delete</button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {cursor !== null && <button type='button' class='more' onClick={() => { void load(cursor) }}>Load more</button>}
      {editing !== null && <QuickAnswerForm answer={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); void load() }} />}
    </div>
  )
}

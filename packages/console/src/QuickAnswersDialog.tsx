// E9: search the open channel's quick answers and insert one into the reply box.
import { useEffect, useState } from 'preact/hooks'
import { errorText, useConsole, useDebounced } from './context.ts'
import { scalarFieldsOf } from './actionForm.ts'
import { namedType } from './schema.ts'
import type { Conversation } from './types.ts'
import { Dialog, FormError } from './Dialog.tsx'

interface QuickAnswer { id: string, title: string, text: string }

const pick = (row: Record<string, unknown>, names: string[]): string => {
  for (const n of names) if (typeof row[n] === 'string') return row[n] as string
  return ''
}

export function QuickAnswersDialog (props: { conversation: Conversation, onClose: () => void, onInsert: (text: string) => void }) {
  const { api, schema } = useConsole()
  const [search, setSearch] = useState('')
  const [fields, setFields] = useState<string[] | null>(null)
  const [list, setList] = useState<QuickAnswer[]>([])
  const [error, setError] = useState<string | null>(null)

  // The plugin's type is not known in advance: read its fields once.
  useEffect(() => {
    const info = schema.field('Query', 'quickAnswers')
    const type = info === undefined ? null : namedType(info.type).name
    if (type === null) { setError('Quick answers are not available.'); return }
    scalarFieldsOf(api, type).then(setFields, err => setError(errorText(err)))
  }, [])

  async function load (): Promise<void> {
    if (fields === null) return
    try {
      const selection = ['id', ...['title', 'name', 'body', 'text', 'content'].filter(f => fields.includes(f))].join(' ')
      const data = await api.request<{ quickAnswers: Record<string, unknown>[] }>(`query ConsoleQuickAnswers($oc: ID, $s: String) { quickAnswers(openChannelId: $oc, search: $s) { ${selection} } }`,
        { oc: props.conversation.openChannelId, s: search.trim() === '' ? null : search.trim() })
      setList(data.quickAnswers.map(r => ({ id: String(r.id), title: pick(r, ['title', 'name']), text: pick(r, ['body', 'text', 'content']) })))
      setError(null)
    } catch (err) {
      setError(errorText(err))
    }
  }
  const reload = useDebounced(() => { void load() }, 250)
  useEffect(() => { void load() }, [fields])

  async function choose (qa: QuickAnswer): Promise<void> {
    props.onInsert(qa.text)
    props.onClose()
    // Usage counts for the plugin's ranking; the text is already in the reply box.
    const use = schema.field('Mutation', 'useQuickAnswer')
    if (use === undefined) return
    const kind = namedType(use.type).kind
    await api.request(`mutation($id: ID!, $c: ID!) { useQuickAnswer(id: $id, conversationId: $c)${kind === 'OBJECT' ? ' { __typename }' : ''} }`, { id: qa.id, c: props.conversation.id }).catch(() => {})
  }

  return (
    <Dialog title='Quick answers' name='quick-answers' onClose={props.onClose}>
      <input type='search' name='search' placeholder='Search…' value={search} onInput={(e) => { setSearch(e.currentTarget.value); reload() }} />
      <FormError error={error} />
      {list.length === 0 && error === null && <p class='muted'>No quick answers found.</p>}
      <ul class='quick-answers'>
        {list.map(qa => (
          <li key={qa.id}>
            <button type='button' class='quick-answer' onClick={() => { void choose(qa) }}>
              <strong>{qa.title}</strong>
              <span class='preview'>{qa.text}</span>
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  )
}

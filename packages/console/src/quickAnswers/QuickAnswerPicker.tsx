// E9 in the reply box: search the conversation's quick answers as you type (↑/↓, Enter), and put
// the answer filled in for this conversation (`useQuickAnswer`: client, channel and agent names)
// into the reply box — inserted, not sent.
import { useEffect, useState } from 'preact/hooks'
import { errorText, useConsole, useDebounced } from '../context.ts'
import type { Conversation } from '../types.ts'
import { Dialog, FormError } from '../Dialog.tsx'
import type { QuickAnswer } from './quickAnswer.ts'

export function QuickAnswerPicker (props: { conversation: Conversation, onClose: () => void, onInsert: (text: string) => void }) {
  const { api, schema } = useConsole()
  const [search, setSearch] = useState('')
  const [list, setList] = useState<Pick<QuickAnswer, 'id' | 'title' | 'text' | 'category'>[] | null>(null)
  const [active, setActive] = useState(0)
  const [error, setError] = useState<string | null>(null)

  async function load (): Promise<void> {
    try {
      const data = await api.request<{ quickAnswers: { nodes: QuickAnswer[] } }>(`query ConsoleQuickAnswers($oc: ID, $s: String) { quickAnswers(openChannelId: $oc, search: $s, first: 20) { nodes { id title text category } } }`,
        { oc: props.conversation.openChannelId, s: search.trim() === '' ? null : search.trim() })
      setList(data.quickAnswers.nodes)
      setActive(0)
      setError(null)
    } catch (err) {
      setError(errorText(err))
    }
  }
  const reload = useDebounced(() => { void load() }, 200)
  useEffect(() => { void load() }, [])

  async function choose (qa: { id: string, text: string }): Promise<void> {
    try {
      // The plugin fills the variables in and counts the use (its ranking).
      const text = schema.plugin('Mutation', 'useQuickAnswer')
        ? (await api.request<{ useQuickAnswer: string }>('mutation ConsoleUseQuickAnswer($id: ID!, $c: ID!) { useQuickAnswer(id: $id, conversationId: $c) }', { id: qa.id, c: props.conversation.id })).useQuickAnswer
        : qa.text
      props.onInsert(text)
      props.onClose()
    } catch (err) {
      setError(errorText(err))
    }
  }

  function onKeyDown (e: KeyboardEvent): void {
    const n = list?.length ?? 0
    if (n === 0) return
    if (e.key === 'ArrowDown') { e.preventDefault(); setActive((active + 1) % n) } else if (e.key === 'ArrowUp') { e.preventDefault(); setActive((active - 1 + n) % n) } else if (e.key === 'Enter') {
      e.preventDefault()
      const qa = list?.[Math.min(active, n - 1)]
      if (qa !== undefined) void choose(qa)
    }
  }

  return (
    <Dialog title='Quick answers' name='quick-answers' onClose={props.onClose}>
      <input type='search' name='search' placeholder='Search title or text…' autocomplete='off' value={search}
        onInput={(e) => { setSearch(e.currentTarget.value); reload() }} onKeyDown={onKeyDown} />
      <FormError error={error} />
      {list !== null && list.length === 0 && error === null && <p class='muted'>No quick answers found.</p>}
      <ul class='quick-answers' role='listbox' aria-label='Quick answers'>
        {(list ?? []).map((qa, i) => (
          <li key={qa.id} role='option' aria-selected={i === active}>
            <button type='button' class={`quick-answer${i === active ? ' active' : ''}`} data-answer-id={qa.id} onClick={() => { void choose(qa) }}>
              <strong>{qa.title ?? qa.text.slice(0, 40)}</strong>
              {qa.category !== null && qa.category !== '' && <span class='chip'>{qa.category}</span>}
              <span class='preview'>{qa.text}</span>
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  )
}

// K4 reply tools: text with @colleague and #conversation mentions, hidden notes, files, emoji,
// slash commands (/quote, /rename, /id), quick answers. Enter sends, Shift+Enter breaks the line.
import { useEffect, useRef, useState } from 'preact/hooks'
import { errorText, useConsole } from './context.ts'
import { commandHelp, parseCommand } from './commands.ts'
import { insertMention, matches, mentionAt, type MentionQuery } from './mentions.ts'
import { conversationMention, plainText, userMention } from './markup.ts'
import { conversationMutation } from './mutations.ts'
import { hasArg } from './schema.ts'
import { authorOf, bytes, conversationName } from './format.ts'
import type { Conversation, Message, Upload } from './types.ts'
import { EmojiPicker } from './EmojiPicker.tsx'
import { Suggestions, type Suggestion } from './Suggestions.tsx'
import { QuickAnswerPicker } from './quickAnswers/QuickAnswerPicker.tsx'

export interface ReplyBoxProps {
  conversation: Conversation
  quote: Message | null
  selected: Message | null
  onQuote: (m: Message | null) => void
  onSent: (m: Message) => void
  onConversation: (c: Conversation) => void
  onNotice: (text: string) => void
}

type Picked = { kind: 'text', text: string, caret: number }

const typingEveryMs = 4000

export function ReplyBox (props: ReplyBoxProps) {
  const { api, sel, schema, userList, users, toast } = useConsole()
  const [text, setText] = useState('')
  const [caret, setCaret] = useState(0)
  const [internal, setInternal] = useState(false)
  const [uploads, setUploads] = useState<Upload[]>([])
  const [uploading, setUploading] = useState(0)
  const [emojiOpen, setEmojiOpen] = useState(false)
  const [quickAnswers, setQuickAnswers] = useState(false)
  const [active, setActive] = useState(0)
  const [dismissed, setDismissed] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [chats, setChats] = useState<{ id: string, name: string }[] | null>(null)
  const area = useRef<HTMLTextAreaElement>(null)
  const lastTyping = useRef(0)
  const canAttach = hasArg(schema, 'Mutation', 'sendMessage', 'attachmentIds')
  const silent = props.conversation.silent === true
  const note = internal || silent

  const place = (next: string, at: number): void => {
    setText(next)
    setCaret(at)
    requestAnimationFrame(() => { area.current?.focus(); area.current?.setSelectionRange(at, at) })
  }
  // Inserted after an await (a quick answer is filled in by the server): read the box as it is now,
  // not the text of the render that opened the picker.
  const insertAtCaret = (insert: string): void => {
    const current = area.current?.value ?? text
    const at = Math.min(area.current?.selectionStart ?? current.length, current.length)
    place(current.slice(0, at) + insert + current.slice(at), at + insert.length)
  }

  // What to suggest for the word at the caret.
  const mention: MentionQuery | null = mentionAt(text, caret)
  // Conversations to mention are read once, when the agent first types #.
  useEffect(() => {
    if (mention?.trigger !== '#' || chats !== null) return
    setChats([])
    api.request<{ conversations: { nodes: Conversation[] } }>('query ConsoleChats { conversations(first: 100) { nodes { id title client { id name } } } }')
      .then(d => setChats(d.conversations.nodes.map(c => ({ id: c.id, name: conversationName(c) }))), () => {})
  }, [mention?.trigger])
  const suggestionKey = `${mention?.start ?? ''}:${text.startsWith('/') ? 'cmd' : ''}`
  let suggestions: (Suggestion & { pick: () => Picked })[] = []
  if (dismissed !== suggestionKey) {
    if (mention?.trigger === '@') {
      suggestions = userList.filter(u => matches(u.name, mention.search)).slice(0, 8).map(u => ({
        key: `u${u.id}`, label: `@${u.name}`, pick: () => ({ kind: 'text', ...insertMention(text, mention, userMention(u)) })
      }))
    } else if (mention?.trigger === '#') {
      suggestions = (chats ?? []).filter(c => matches(c.name, mention.search) || c.id.startsWith(mention.search)).slice(0, 8).map(c => ({
        key: `c${c.id}`, label: `#${c.name}`, hint: `#${c.id}`, pick: () => ({ kind: 'text', ...insertMention(text, mention, conversationMention(c)) })
      }))
    } else if (/^\/\w*$/.test(text)) {
      // A suggestion that would change nothing (the command is complete) is not offered: Enter sends it.
      suggestions = commandHelp.filter(c => c.usage.startsWith(text)).map(c => {
        const word = c.usage.split(' ')[0]
        const next = c.usage.includes('<') ? `${word} ` : word
        return { key: word, label: c.usage, hint: c.hint, next, pick: (): Picked => ({ kind: 'text', text: next, caret: next.length }) }
      }).filter(s => s.next !== text)
    }
  }
  const choose = (index: number): void => {
    const s = suggestions[index]
    if (s === undefined) return
    const picked = s.pick()
    place(picked.text, picked.caret)
    setActive(0)
  }

  function typing (): void {
    if (note || Date.now() - lastTyping.current < typingEveryMs) return
    lastTyping.current = Date.now()
    api.request('mutation($id: ID!) { sendTyping(conversationId: $id) }', { id: props.conversation.id }).catch(() => {})
  }

  async function attach (files: FileList | null): Promise<void> {
    if (files === null) return
    for (const file of Array.from(files)) {
      setUploading(n => n + 1)
      try {
        const up = await api.upload(file)
        setUploads(list => [...list, up])
      } catch (err) {
        setError(`${file.name}: ${errorText(err)}`)
      } finally {
        setUploading(n => n - 1)
      }
    }
  }

  async function send (body: string, quote: Message | null): Promise<void> {
    const withFiles = canAttach && uploads.length > 0
    const doc = `mutation ConsoleSend($c: ID!, $b: String!, $i: Boolean, $q: ID${withFiles ? ', $a: [ID!]' : ''}) {
      sendMessage(conversationId: $c, body: $b, internal: $i, quoteMessageId: $q${withFiles ? ', attachmentIds: $a' : ''}) { ${sel.message} }
    }`
    const data = await api.request<{ sendMessage: Message }>(doc, { c: props.conversation.id, b: body, i: note, q: quote?.id ?? null, ...(withFiles ? { a: uploads.map(u => u.id) } : {}) })
    props.onSent(data.sendMessage)
    setUploads([])
    props.onQuote(null)
  }

  async function submit (e?: Event): Promise<void> {
    e?.preventDefault()
    if (busy || uploading > 0) return
    setError(null)
    const command = parseCommand(text)
    setBusy(true)
    try {
      if (command?.name === 'id') {
        props.onNotice(`Chat id: ${props.conversation.id}`)
        place('', 0)
      } else if (command?.name === 'rename') {
        if (command.title === '') { setError('Write the new title after /rename.'); return }
        const renamed = await conversationMutation(api, sel.conversation, 'renameConversation', { id: ['ID!', props.conversation.id], title: ['String!', command.title] })
        props.onConversation(renamed)
        toast(`Renamed to “${command.title}”`)
        place('', 0)
      } else if (command?.name === 'quote') {
        if (props.selected === null) { setError('Click a message first, then use /quote.'); return }
        if (command.rest === '') {
          props.onQuote(props.selected)
          place('', 0)
        } else {
          await send(command.rest, props.selected)
          place('', 0)
        }
      } else {
        if (text.trim() === '' && uploads.length === 0) return
        await send(text.trim(), props.quote)
        place('', 0)
      }
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  function onKeyDown (e: KeyboardEvent): void {
    if (suggestions.length > 0) {
      if (e.key === 'ArrowDown') { e.preventDefault(); setActive((active + 1) % suggestions.length); return }
      if (e.key === 'ArrowUp') { e.preventDefault(); setActive((active - 1 + suggestions.length) % suggestions.length); return }
      if (e.key === 'Enter' || e.key === 'Tab') { e.preventDefault(); choose(Math.min(active, suggestions.length - 1)); return }
      if (e.key === 'Escape') { e.preventDefault(); setDismissed(suggestionKey); return }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault()
      void submit()
    }
  }

  const closed = props.conversation.status === 'closed'
  return (
    <form class={`reply${note ? ' internal' : ''}`} onSubmit={submit}>
      {silent && <p class='silent-banner'>Silent mode: the client does not see what staff write here.</p>}
      {props.quote !== null && (
        <div class='quoting'>
          <span class='muted'>Quoting</span> <strong>{authorOf(props.quote, users, props.conversation.client.name ?? 'Client')}</strong>: {plainText(props.quote.body).slice(0, 120)}
          <button type='button' class='link-button' aria-label='Remove quote' onClick={() => props.onQuote(null)}>×</button>
        </div>
      )}
      <Suggestions items={suggestions} active={Math.min(active, Math.max(0, suggestions.length - 1))} onPick={choose} label='Suggestions' />
      <textarea
        ref={area}
        name='reply'
        placeholder={closed ? 'The conversation is closed' : note ? 'Hidden note — only staff see it' : 'Reply… (@ colleague, # chat, / commands)'}
        value={text}
        onInput={(e) => { setText(e.currentTarget.value); setCaret(e.currentTarget.selectionStart); setDismissed(null); typing() }}
        onKeyDown={onKeyDown}
        onKeyUp={(e) => setCaret(e.currentTarget.selectionStart)}
        onClick={(e) => setCaret(e.currentTarget.selectionStart)}
      />
      {uploads.length > 0 && (
        <ul class='uploads'>
          {uploads.map(u => (
            <li key={u.id} class='chip'>{u.name} <span class='muted'>{bytes(u.size)}</span>
              <button type='button' class='link-button' aria-label={`Remove ${u.name}`} onClick={() => setUploads(list => list.filter(x => x.id !== u.id))}>×</button>
            </li>
          ))}
        </ul>
      )}
      {error !== null && <p class='form-error' role='alert'>{error}</p>}
      <div class='reply-tools'>
        <label class='check hidden-toggle'>
          <input type='checkbox' name='internal' checked={note} disabled={silent} onChange={(e) => setInternal(e.currentTarget.checked)} /> Hidden note
        </label>
        {canAttach && (
          <label class='button attach'>Attach<input type='file' multiple class='visually-hidden' onChange={(e) => { void attach(e.currentTarget.files); e.currentTarget.value = '' }} /></label>
        )}
        <button type='button' class='emoji-toggle' aria-expanded={emojiOpen} onClick={() => setEmojiOpen(!emojiOpen)}>😊</button>
        {schema.plugin('Query', 'quickAnswers') && <button type='button' class='quick-answers-button' onClick={() => setQuickAnswers(true)}>Quick answers</button>}
        <span class='spacer' />
        {uploading > 0 && <span class='muted'>Uploading…</span>}
        <button type='submit' class='primary send' disabled={busy || uploading > 0}>{note ? 'Add note' : 'Send'}</button>
      </div>
      {emojiOpen && <EmojiPicker onPick={insertAtCaret} />}
      {quickAnswers && <QuickAnswerPicker conversation={props.conversation} onClose={() => setQuickAnswers(false)} onInsert={insertAtCaret} />}
    </form>
  )
}

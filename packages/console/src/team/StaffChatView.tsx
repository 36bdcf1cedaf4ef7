// One staff chat: members, messages (quotes of conversation messages included), live through the
// console's per-chat subscription, and a reply box (Enter sends). Seen messages are marked read.
import { useEffect, useRef, useState } from 'preact/hooks'
import { errorText, useConsole } from '../context.ts'
import { timeOf } from '../format.ts'
import { MessageBody } from '../MessageBody.tsx'
import { chatMessageSelection, chatSelection, type StaffChat, type StaffChatMessage } from './team.ts'
import { QuoteBlock } from './QuoteBlock.tsx'

export function StaffChatView (props: { chatId: string }) {
  const { api, me, staffChats } = useConsole()
  const [chat, setChat] = useState<StaffChat | null | undefined>(undefined)
  const [messages, setMessages] = useState<StaffChatMessage[]>([])
  const [before, setBefore] = useState<string | null>(null)
  const [text, setText] = useState('')
  const [error, setError] = useState<string | null>(null)
  const bottom = useRef<HTMLDivElement>(null)
  const id = props.chatId

  const add = (m: StaffChatMessage): void => setMessages(list => list.some(x => x.id === m.id) ? list : [...list, m])
  const markRead = (): void => { staffChats?.markRead(id).catch(() => {}) }

  useEffect(() => {
    staffChats?.setOpen(id)
    const stop = staffChats?.onMessage((m) => { if (m.chatId === id) { add(m); if (m.authorId !== me.id) markRead() } })
    Promise.all([
      api.request<{ staffChat: StaffChat | null }>(`query ConsoleStaffChat($id: ID!) { staffChat(id: $id) { ${chatSelection} } }`, { id }),
      api.request<{ staffChatMessages: { nodes: StaffChatMessage[], previousCursor: string | null } }>(`query ConsoleStaffChatMessages($id: ID!) { staffChatMessages(chatId: $id, last: 50) { nodes { ${chatMessageSelection} } previousCursor } }`, { id })
    ]).then(([c, m]) => {
      setChat(c.staffChat)
      setMessages(list => [...m.staffChatMessages.nodes, ...list.filter(x => !m.staffChatMessages.nodes.some(n => n.id === x.id))])
      setBefore(m.staffChatMessages.previousCursor)
      if (c.staffChat !== null) {
        markRead()
        // A chat started a moment ago (from a message) is not in the list yet.
        if (staffChats !== null && !staffChats.chats.some(x => x.id === id)) staffChats.reload().catch(() => {})
      }
    }, (err) => { setError(errorText(err)); setChat(null) })
    return () => { stop?.(); staffChats?.setOpen(null) }
  }, [id])

  useEffect(() => { bottom.current?.scrollIntoView({ block: 'end' }) }, [messages.length])

  async function earlier (): Promise<void> {
    if (before === null) return
    const data = await api.request<{ staffChatMessages: { nodes: StaffChatMessage[], previousCursor: string | null } }>(
      `query ConsoleStaffChatEarlier($id: ID!, $before: String) { staffChatMessages(chatId: $id, last: 50, before: $before) { nodes { ${chatMessageSelection} } previousCursor } }`, { id, before })
    setMessages(list => [...data.staffChatMessages.nodes.filter(n => !list.some(m => m.id === n.id)), ...list])
    setBefore(data.staffChatMessages.previousCursor)
  }

  async function send (): Promise<void> {
    const body = text.trim()
    if (body === '') return
    try {
      const data = await api.request<{ postStaffChatMessage: StaffChatMessage }>(`mutation ConsoleStaffChatPost($id: ID!, $body: String!) { postStaffChatMessage(chatId: $id, body: $body) { ${chatMessageSelection} } }`, { id, body })
      add(data.postStaffChatMessage)
      setText('')
      setError(null)
    } catch (err) {
      setError(errorText(err))
    }
  }

  if (chat === undefined) return <p class='muted'>Loading…</p>
  if (chat === null) return <p class='form-error'>{error ?? 'This chat does not exist or you are not a member.'}</p>
  return (
    <div class='staff-chat' data-chat-id={chat.id}>
      <header class='staff-chat-header'>
        <h2>{chat.title}</h2>
        <span class='muted staff-chat-members'>{chat.members.map(m => m.name).join(', ')}</span>
      </header>
      <div class='messages'>
        {before !== null && <button type='button' class='more' onClick={() => { void earlier() }}>Earlier messages</button>}
        <ol class='message-list'>
          {messages.map(m => (
            <li key={m.id} class={`message staff-message${m.authorId === me.id ? ' from-agent' : ''}`} data-staff-message-id={m.id}>
              <div class='message-meta'>
                <span class='author'>{m.authorName ?? 'Former colleague'}</span>
                <time dateTime={m.createdAt}>{timeOf(m.createdAt)}</time>
                {m.editedAt !== null && <span class='mark'>edited</span>}
              </div>
              {m.quote !== null && <QuoteBlock quote={m.quote} />}
              {m.body !== '' && <div class='message-body'><MessageBody body={m.body} mentions /></div>}
            </li>
          ))}
        </ol>
        <div ref={bottom} />
      </div>
      <form class='reply staff-reply' onSubmit={(e) => { e.preventDefault(); void send() }}>
        <textarea name='staff-reply' placeholder='Write to your colleagues… (only staff see this)' value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); void send() } }} />
        {error !== null && <p class='form-error' role='alert'>{error}</p>}
        <div class='reply-tools'><span class='spacer' /><button type='submit' class='primary send'>Send</button></div>
      </form>
    </div>
  )
}

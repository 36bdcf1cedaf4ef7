// K6 staff chats: the user's chats (newest activity first, unread counts) and the chat on screen.
import { useEffect, useState } from 'preact/hooks'
import { useConsole } from '../context.ts'
import { timeOf } from '../format.ts'
import { plainText } from '../markup.ts'
import { routeHash } from '../route.ts'
import { StaffChatView } from './StaffChatView.tsx'
import { NewStaffChatDialog } from './NewStaffChatDialog.tsx'

export function StaffChatsPage (props: { chatId: string | null }) {
  const { staffChats } = useConsole()
  const [creating, setCreating] = useState(false)
  // Read the list again on arrival: chats colleagues started meanwhile are not pushed.
  useEffect(() => { staffChats?.reload().catch(() => {}) }, [])
  if (staffChats === null) return null
  const chats = [...staffChats.chats].sort((a, b) => b.lastMessageAt.localeCompare(a.lastMessageAt))
  return (
    <div class='page staff-chats-page'>
      <section class='page-list' aria-label='Staff chats'>
        <header class='page-header'>
          <h1>Staff chats</h1>
          <button type='button' class='new-chat' onClick={() => setCreating(true)}>New chat</button>
        </header>
        {staffChats.loaded && chats.length === 0 && <p class='muted empty-list'>No staff chats yet. Start one here or from a message (“Discuss in staff chat”).</p>}
        <ul class='staff-chat-list'>
          {chats.map(c => (
            <li key={c.id} class={`list-item${c.id === props.chatId ? ' selected' : ''}`} data-chat-id={c.id}>
              <a class='list-open' href={routeHash({ page: 'staffChats', id: c.id })}>
                <span class='list-title'>{c.title}</span>
                {c.unreadCount > 0 && <span class='badge chat-unread'>{c.unreadCount}</span>}
                <span class='list-time'>{timeOf(c.lastMessageAt)}</span>
                <span class='preview'>{c.lastMessage === null ? c.members.map(m => m.name).join(', ') : `${c.lastMessage.authorName ?? ''}: ${plainText(c.lastMessage.body) || 'quoted a message'}`}</span>
              </a>
            </li>
          ))}
        </ul>
      </section>
      <section class='page-detail'>
        {props.chatId === null
          ? <p class='muted'>Pick a chat.</p>
          : <StaffChatView key={props.chatId} chatId={props.chatId} />}
      </section>
      {creating && <NewStaffChatDialog onClose={() => setCreating(false)} />}
    </div>
  )
}

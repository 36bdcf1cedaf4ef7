// Links to the console's pages that this server has (see pages.ts), with the staff chats' unread count.
import { useConsole } from './context.ts'
import { pageLinks } from './pages.ts'
import { routeHash, type Route } from './route.ts'

export function Nav (props: { route: Route, lastConversation: string | null }) {
  const { schema, staffChats } = useConsole()
  const links = pageLinks.filter(l => l.available(schema))
  if (links.length < 2) return null
  return (
    <nav class='pages' aria-label='Pages'>
      {links.map(l => {
        const route: Route = l.page === 'conversations' ? { page: 'conversations', id: props.lastConversation } : l.route
        const current = props.route.page === l.page
        return (
          <a key={l.page} href={routeHash(route)} class={`page-link page-${l.page}${current ? ' active' : ''}`} aria-current={current ? 'page' : undefined}>
            {l.label}
            {l.page === 'staffChats' && staffChats !== null && staffChats.unread > 0 && <span class='badge staff-unread'>{staffChats.unread}</span>}
          </a>
        )
      })}
    </nav>
  )
}

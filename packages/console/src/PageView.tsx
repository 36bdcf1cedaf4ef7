// The plugins' pages (#6), by route. Each checks nothing itself: the navigation only links to
// pages the server has, and a page of a missing plugin says so.
import { useConsole } from './context.ts'
import { pageLinks } from './pages.ts'
import type { Route } from './route.ts'
import { MyTasksPage } from './tasks/MyTasksPage.tsx'
import { StaffChatsPage } from './team/StaffChatsPage.tsx'
import { FeedPage } from './team/FeedPage.tsx'
import { StatisticsPage } from './kpi/StatisticsPage.tsx'
import { QuickAnswersPage } from './quickAnswers/QuickAnswersPage.tsx'
import { CrmPage } from './crm/CrmPage.tsx'

export function PageView (props: { route: Route }) {
  const { schema } = useConsole()
  const route = props.route
  const link = pageLinks.find(l => l.page === route.page)
  if (link !== undefined && !link.available(schema)) return <p class='muted page-missing'>This page is not available on this server.</p>
  switch (route.page) {
    case 'tasks': return <MyTasksPage />
    case 'staffChats': return <StaffChatsPage chatId={route.id} />
    case 'feed': return <FeedPage />
    case 'statistics': return <StatisticsPage />
    case 'quickAnswers': return <QuickAnswersPage />
    case 'crm': return <CrmPage kind={route.kind} id={route.id} />
    default: return null
  }
}

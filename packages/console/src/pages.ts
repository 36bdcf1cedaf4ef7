// The console's pages besides the conversations: each shows in the navigation when the server's
// schema has the plugin field it is built on.
import type { Schema } from './schema.ts'
import type { Route } from './route.ts'

export interface PageLink {
  page: Route['page']
  label: string
  route: Route
  available: (schema: Schema) => boolean
}

export const pageLinks: PageLink[] = [
  { page: 'conversations', label: 'Conversations', route: { page: 'conversations', id: null }, available: () => true },
  { page: 'tasks', label: 'My tasks', route: { page: 'tasks' }, available: s => s.plugin('Query', 'myTasks') },
  { page: 'staffChats', label: 'Staff chats', route: { page: 'staffChats', id: null }, available: s => s.plugin('Query', 'staffChats') },
  { page: 'feed', label: 'Team feed', route: { page: 'feed' }, available: s => s.plugin('Query', 'feed') },
  { page: 'statistics', label: 'Statistics', route: { page: 'statistics' }, available: s => s.plugin('Query', 'kpiStatistics') },
  { page: 'quickAnswers', label: 'Quick answers', route: { page: 'quickAnswers' }, available: s => s.plugin('Mutation', 'createQuickAnswer') },
  { page: 'crm', label: 'CRM', route: { page: 'crm', kind: 'contact', id: null }, available: s => s.plugin('Query', 'crmContacts') }
]

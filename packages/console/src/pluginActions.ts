// Actions of the plugins of #4/#6 in the registry: E9 quick answers, K6 tasks, calendar events,
// staff chats and the team feed, F2 asking for a rating. CRM actions live in the CRM panel.
import { excerpt, registerAction } from './actions.ts'
import { ratingOf } from './ratings/rating.ts'

const id = (result: Record<string, unknown>): string => String(result.id)

registerAction({ mutation: 'saveMessageAsQuickAnswer', label: 'Save as quick answer', scope: 'message', defaults: (t) => ({ title: excerpt(t.message, 60) }) })
registerAction({
  mutation: 'createTaskFromMessage',
  label: 'Create task',
  scope: 'message',
  defaults: (t) => ({ title: excerpt(t.message, 80), description: t.message?.body ?? '' }),
  after: () => ({ label: 'Open My tasks', route: { page: 'tasks' } })
})
registerAction({ mutation: 'createCalendarEventFromMessage', label: 'Calendar event', scope: 'message', defaults: (t) => ({ title: excerpt(t.message, 80), summary: excerpt(t.message, 80), description: t.message?.body ?? '' }) })
registerAction({
  mutation: 'startStaffChatFromMessage',
  label: 'Discuss in staff chat',
  scope: 'message',
  defaults: (t) => ({ title: excerpt(t.message, 60) }),
  after: (result) => ({ label: 'Open the chat', route: { page: 'staffChats', id: id(result) }, open: true })
})
registerAction({
  mutation: 'postMessageToFeed',
  label: 'Post to feed',
  scope: 'message',
  after: (result) => result.id === undefined ? null : ({ label: 'Open the team feed', route: { page: 'feed' } })
})
registerAction({
  mutation: 'askForRating',
  label: 'Ask for rating',
  scope: 'conversation',
  // F2: only while the conversation is open and the client has not rated it yet.
  available: (t) => (t.conversation.status === 'queued' || t.conversation.status === 'assigned') && (ratingOf(t.conversation)?.client ?? null) === null
})

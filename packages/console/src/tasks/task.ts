// The tasks plugin's shapes (K6) as the console reads them.

export interface Task {
  id: string
  title: string
  description: string
  dueAt: string | null
  status: 'open' | 'done'
  assigneeId: string
  assignee: { id: string, name: string }
  creator: { id: string, name: string }
  conversationId: string
  messageId: string | null
  createdAt: string
  completedAt: string | null
}

export const taskSelection = 'id title description dueAt status assigneeId assignee { id name } creator { id name } conversationId messageId createdAt completedAt'

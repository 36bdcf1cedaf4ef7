// K6: the tasks assigned to the signed-in agent (`myTasks`), open or done, due first; complete
// or reopen one; a task assigned meanwhile (`taskAssigned`) appears at once.
import { useEffect, useState } from 'preact/hooks'
import { errorText, useConsole, useFeed } from '../context.ts'
import { timeOf } from '../format.ts'
import { routeHash } from '../route.ts'
import { taskSelection, type Task } from './task.ts'

type Status = 'open' | 'done'

export function MyTasksPage () {
  const { api, toast } = useConsole()
  const [status, setStatus] = useState<Status>('open')
  const [tasks, setTasks] = useState<Task[] | null>(null)
  const [cursor, setCursor] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const query = `query ConsoleMyTasks($status: TaskStatus, $after: String) { myTasks(status: $status, first: 50, after: $after) { nodes { ${taskSelection} } nextCursor } }`

  async function load (after: string | null = null): Promise<void> {
    try {
      const data = await api.request<{ myTasks: { nodes: Task[], nextCursor: string | null } }>(query, { status, after })
      setTasks(list => after === null ? data.myTasks.nodes : [...(list ?? []), ...data.myTasks.nodes])
      setCursor(data.myTasks.nextCursor)
      setError(null)
    } catch (err) {
      setError(errorText(err))
    }
  }
  useEffect(() => { setTasks(null); void load() }, [status])
  useFeed((event) => { if (event.type === 'taskAssigned' && status === 'open') void load() })

  async function change (task: Task, mutation: 'completeTask' | 'reopenTask'): Promise<void> {
    try {
      await api.request(`mutation ConsoleTaskStatus($id: ID!) { ${mutation}(id: $id) { id status } }`, { id: task.id })
      toast(mutation === 'completeTask' ? `Done: ${task.title}` : `Reopened: ${task.title}`)
      // It moves to the other list.
      setTasks(list => (list ?? []).filter(t => t.id !== task.id))
    } catch (err) {
      toast(errorText(err), 'error')
    }
  }

  const overdue = (t: Task): boolean => t.status === 'open' && t.dueAt !== null && new Date(t.dueAt).getTime() < Date.now()
  return (
    <div class='page tasks-page'>
      <header class='page-header'>
        <h1>My tasks</h1>
        <div class='segmented' role='radiogroup' aria-label='Status'>
          {(['open', 'done'] as Status[]).map(s => (
            <button key={s} type='button' role='radio' aria-checked={status === s} class={`chip${status === s ? ' active' : ''}`} data-status={s} onClick={() => setStatus(s)}>{s === 'open' ? 'Open' : 'Done'}</button>
          ))}
        </div>
      </header>
      {error !== null && <p class='form-error'>{error}</p>}
      {tasks === null && error === null && <p class='muted'>Loading…</p>}
      {tasks !== null && tasks.length === 0 && <p class='muted empty-list'>{status === 'open' ? 'Nothing to do.' : 'No finished tasks.'}</p>}
      <ul class='task-list'>
        {(tasks ?? []).map(t => (
          <li key={t.id} class={`task${overdue(t) ? ' overdue' : ''}`} data-task-id={t.id}>
            <div class='task-main'>
              <strong class='task-title'>{t.title}</strong>
              <span class='muted task-due'>{t.dueAt === null ? 'No due date' : `Due ${timeOf(t.dueAt)}`}</span>
              <span class='muted'>from {t.creator.name}</span>
              <a class='task-conversation' href={routeHash({ page: 'conversations', id: t.conversationId })}>Conversation #{t.conversationId}</a>
            </div>
            {t.description !== '' && t.description !== t.title && <p class='task-description'>{t.description}</p>}
            <div class='task-actions'>
              {t.status === 'open'
                ? <button type='button' class='task-complete' onClick={() => { void change(t, 'completeTask') }}>Complete</button>
                : <button type='button' class='task-reopen' onClick={() => { void change(t, 'reopenTask') }}>Reopen</button>}
            </div>
          </li>
        ))}
      </ul>
      {cursor !== null && <button type='button' class='more' onClick={() => { void load(cursor) }}>Load more</button>}
    </div>
  )
}

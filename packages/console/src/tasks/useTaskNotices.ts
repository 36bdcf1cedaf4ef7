// K6: a task a colleague assigns to the signed-in agent is announced (the plugin's `taskAssigned`).
import { useEffect, useRef } from 'preact/hooks'
import type { Feed } from '../feed.ts'
import type { Toast } from '../Toasts.tsx'
import { go } from '../route.ts'

export function useTaskNotices (feed: Feed, toast: (t: Omit<Toast, 'id'>) => void): void {
  const latest = useRef(toast)
  latest.current = toast
  useEffect(() => feed.on((event) => {
    if (event.type !== 'taskAssigned') return
    const { task } = event
    // Tasks agents make for themselves are no news to them.
    if (task.creator.id === task.assignee.id) return
    latest.current({ kind: 'message', text: `New task from ${task.creator.name}`, detail: task.title, onClick: () => go({ page: 'tasks' }) })
  }), [feed])
}

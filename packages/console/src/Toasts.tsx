// In-page notifications (K1) and action results, newest last; each fades after a few seconds.
import { useRef, useState } from 'preact/hooks'

export interface Toast {
  id: number
  text: string
  detail?: string
  kind: 'info' | 'error' | 'message'
  onClick?: () => void
}

export function Toasts (props: { toasts: Toast[], dismiss: (id: number) => void }) {
  return (
    <div class='toasts' role='status' aria-live='polite'>
      {props.toasts.map(t => (
        <div key={t.id} class={`toast toast-${t.kind}`}>
          <button type='button' class='toast-body' onClick={() => { t.onClick?.(); props.dismiss(t.id) }}>
            <strong>{t.text}</strong>
            {t.detail !== undefined && <span class='toast-detail'>{t.detail}</span>}
          </button>
          <button type='button' class='toast-close' aria-label='Dismiss' onClick={() => props.dismiss(t.id)}>×</button>
        </div>
      ))}
    </div>
  )
}

const shownMs = { info: 8000, message: 8000, error: 10_000 }

/** At most five at a time; each disappears by itself. */
export function useToasts (): { toasts: Toast[], push: (toast: Omit<Toast, 'id'>) => void, dismiss: (id: number) => void } {
  const [toasts, setToasts] = useState<Toast[]>([])
  const next = useRef(1)
  const dismiss = (id: number): void => setToasts(list => list.filter(t => t.id !== id))
  const push = (toast: Omit<Toast, 'id'>): void => {
    const id = next.current++
    setToasts(list => [...list.slice(-4), { ...toast, id }])
    setTimeout(() => dismiss(id), shownMs[toast.kind])
  }
  return { toasts, push, dismiss }
}

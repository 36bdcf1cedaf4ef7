// A modal frame: title, close button, Escape closes, focus goes to the first field.
import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'

export function Dialog (props: { title: string, onClose: () => void, name: string, children: ComponentChildren }) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => { if (e.key === 'Escape') props.onClose() }
    document.addEventListener('keydown', onKey)
    box.current?.querySelector<HTMLElement>('input, select, textarea, button.primary')?.focus()
    return () => document.removeEventListener('keydown', onKey)
  }, [])
  return (
    <div class='dialog-backdrop' onClick={props.onClose}>
      <div ref={box} class={`dialog dialog-${props.name}`} role='dialog' aria-modal='true' aria-label={props.title} onClick={(e) => e.stopPropagation()}>
        <header class='dialog-header'>
          <h2>{props.title}</h2>
          <button type='button' class='dialog-close' aria-label='Close' onClick={props.onClose}>×</button>
        </header>
        {props.children}
      </div>
    </div>
  )
}

export function FormError (props: { error: string | null }) {
  return props.error === null ? null : <p class='form-error' role='alert'>{props.error}</p>
}

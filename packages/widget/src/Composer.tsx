import { useRef, useState } from 'preact/hooks'
import type { Strings } from './i18n.ts'
import { emoji } from './emoji.ts'
import { Icon } from './icons.tsx'

export interface ComposerProps {
  strings: Strings
  busy: boolean
  onSend: (text: string) => void
  onFile: (file: File) => void
  onTyping: (text: string) => void
}

export function Composer ({ strings, busy, onSend, onFile, onTyping }: ComposerProps) {
  const [text, setText] = useState('')
  const [picking, setPicking] = useState(false)
  const input = useRef<HTMLTextAreaElement>(null)
  const fileInput = useRef<HTMLInputElement>(null)

  const send = (): void => {
    if (text.trim() === '') return
    onSend(text)
    setText('')
    setPicking(false)
  }
  const insert = (symbol: string): void => {
    const el = input.current
    const at = el?.selectionStart ?? text.length
    const next = text.slice(0, at) + symbol + text.slice(el?.selectionEnd ?? at)
    setText(next)
    setPicking(false)
    el?.focus()
  }
  return (
    <form class='composer' onSubmit={(e) => { e.preventDefault(); send() }}>
      {picking && (
        <div class='emoji' role='listbox' aria-label={strings.emoji}>
          {emoji.map(symbol => <button key={symbol} type='button' onClick={() => insert(symbol)}>{symbol}</button>)}
        </div>
      )}
      <button type='button' class='icon' title={strings.emoji} aria-label={strings.emoji} onClick={() => setPicking(!picking)}><Icon name='smile' /></button>
      <button type='button' class='icon' title={strings.attach} aria-label={strings.attach} disabled={busy} onClick={() => fileInput.current?.click()}><Icon name='attach' /></button>
      <input
        ref={fileInput} type='file' class='hidden'
        onChange={(e) => {
          const target = e.currentTarget
          const file = target.files?.[0]
          if (file !== undefined) onFile(file)
          target.value = ''
        }}
      />
      <textarea
        ref={input} rows={1} value={text} placeholder={strings.placeholder} aria-label={strings.placeholder} maxLength={10000}
        onInput={(e) => { const value = e.currentTarget.value; setText(value); onTyping(value) }}
        onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send() } }}
      />
      <button type='submit' class='send' disabled={text.trim() === ''}>{strings.send}</button>
    </form>
  )
}

import { useEffect, useRef } from 'preact/hooks'
import type { Message, WidgetInfo } from './types.ts'
import type { Api } from './api.ts'
import type { Strings } from './i18n.ts'
import { MessageItem } from './MessageItem.tsx'
import { Composer, type ComposerProps } from './Composer.tsx'
import { Icon } from './icons.tsx'

export interface PanelProps extends Omit<ComposerProps, 'strings'> {
  api: Api
  info: WidgetInfo
  strings: Strings
  messages: Message[]
  agentTyping: boolean
  error: string | null
  onClose: () => void
  onPress: (message: Message, data: string) => void
  onRetry: (message: Message) => void
}

export function Panel (props: PanelProps) {
  const { info, strings, messages } = props
  const list = useRef<HTMLDivElement>(null)
  // Follow the conversation: the newest message (or the typing line) stays in view.
  useEffect(() => {
    const el = list.current
    if (el !== null) el.scrollTop = el.scrollHeight
  }, [messages.length, messages[messages.length - 1]?.id, props.agentTyping])
  return (
    <section class='panel' role='dialog' aria-label={info.title}>
      <header class='header'>
        <span>{info.title}</span>
        <button type='button' aria-label={strings.close} onClick={props.onClose}><Icon name='close' size={18} /></button>
      </header>
      <div class='list' ref={list} aria-live='polite'>
        {messages.length === 0 && <div class='notice'>{strings.empty}</div>}
        {messages.length === 0 && info.consent !== null && <div class='notice'>{info.consent.text}</div>}
        {messages.map(m => <MessageItem key={m.id} api={props.api} message={m} strings={strings} onPress={props.onPress} onRetry={props.onRetry} />)}
      </div>
      <div class='typing'>{props.agentTyping ? strings.typing : ''}</div>
      {props.error !== null && <div class='error' role='alert'>{props.error}</div>}
      <Composer strings={strings} busy={props.busy} onSend={props.onSend} onFile={props.onFile} onTyping={props.onTyping} />
    </section>
  )
}

import type { Message } from './types.ts'
import type { Strings } from './i18n.ts'
import { RichText } from './RichText.tsx'
import { safeUrl } from './linkify.ts'
import { Icon } from './icons.tsx'

export interface MessageItemProps {
  message: Message
  strings: Strings
  onPress: (message: Message, data: string) => void
  onRetry: (message: Message) => void
}

function Files ({ message, strings }: { message: Message, strings: Strings }) {
  if (message.attachments.length === 0) return null
  return (
    <div class='files'>
      {message.attachments.map((file, i) => {
        const url = safeUrl(file.url)
        const label = file.name ?? strings.file
        if (url === null) return <span key={i} class='file'><Icon name='attach' size={14} />{label}</span>
        return (
          <a key={i} class='file' href={url} target='_blank' rel='noopener noreferrer'>
            {file.kind === 'image' ? <img src={url} alt={label} /> : <><Icon name='attach' size={14} />{label}</>}
          </a>
        )
      })}
    </div>
  )
}

function Buttons ({ message, onPress }: { message: Message, onPress: MessageItemProps['onPress'] }) {
  if (message.buttons.length === 0) return null
  return (
    <div class='buttons'>
      {message.buttons.map((button, i) => {
        const url = safeUrl(button.url)
        if (url !== null) return <a key={i} href={url} target='_blank' rel='noopener noreferrer'>{button.text}</a>
        const data = button.data
        return data === null ? null : <button key={i} type='button' onClick={() => onPress(message, data)}>{button.text}</button>
      })}
    </div>
  )
}

const timeOf = (iso: string): string => {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}

export function MessageItem ({ message, strings, onPress, onRetry }: MessageItemProps) {
  const avatar = message.fromVisitor ? null : safeUrl(message.senderAvatarUrl)
  return (
    <div class={message.fromVisitor ? 'msg mine' : 'msg'} data-message-id={message.id}>
      {avatar !== null && <img class='avatar' src={avatar} alt='' />}
      <div>
        {!message.fromVisitor && message.senderName !== null && <div class='sender'>{message.senderName}</div>}
        <div class='bubble'>
          {message.deleted
            ? <span class='deleted'>{strings.deleted}</span>
            : <><RichText text={message.text} /><Files message={message} strings={strings} /></>}
          <div class='meta'>
            {message.state === 'sending' ? strings.sending : timeOf(message.createdAt)}
            {message.editedAt !== null && !message.deleted && ` · ${strings.edited}`}
          </div>
        </div>
        {message.state === 'failed' && <button type='button' class='failed' onClick={() => onRetry(message)}>{strings.failed}</button>}
        {!message.deleted && <Buttons message={message} onPress={onPress} />}
      </div>
    </div>
  )
}

import { useState } from 'preact/hooks'
import type { Message } from './types.ts'
import type { Api } from './api.ts'
import type { Strings } from './i18n.ts'
import { RichText } from './RichText.tsx'
import { safeUrl } from './linkify.ts'
import { Icon } from './icons.tsx'
import { CrmForm } from './CrmForm.tsx'

export interface MessageItemProps {
  api: Api
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

/** `formShown`: the message's CRM form is drawn below, so the link to its page goes. */
function Buttons ({ message, formShown, onPress }: { message: Message, formShown: boolean, onPress: MessageItemProps['onPress'] }) {
  const token = message.crmFormToken
  const buttons = formShown && token !== null ? message.buttons.filter(b => b.url === null || !b.url.endsWith(`/${token}`)) : message.buttons
  if (buttons.length === 0) return null
  return (
    <div class='buttons'>
      {buttons.map((button, i) => {
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

export function MessageItem ({ api, message, strings, onPress, onRetry }: MessageItemProps) {
  const [formShown, setFormShown] = useState(false)
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
        {!message.deleted && <Buttons message={message} formShown={formShown} onPress={onPress} />}
        {!message.deleted && !message.fromVisitor && message.crmFormToken !== null && <CrmForm key={message.crmFormToken} api={api} token={message.crmFormToken} strings={strings} onShown={setFormShown} />}
      </div>
    </div>
  )
}

import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { createApi, type ApiError } from './api.ts'
import { connectLive } from './live.ts'
import { stringsFor, type Strings } from './i18n.ts'
import { localMessage, markFailed, merge, newClientMessageId } from './transcript.ts'
import { queries, type Message, type WidgetInfo } from './types.ts'
import { Panel } from './Panel.tsx'
import { Icon } from './icons.tsx'

export interface AppProps {
  /** Origin of the Openline server (where widget.js came from). */
  base: string
  widgetKey: string
}

const typingEveryMs = 2000
const agentTypingMs = 6000

function describe (err: unknown, strings: Strings): string {
  const e = err as Partial<ApiError>
  if (e.status === 413) return strings.tooLarge
  if (e.status === 415) return strings.fileType
  if (e.code === 'OL_RATE_LIMITED') return strings.rateLimited
  return strings.error
}

export function App ({ base, widgetKey }: AppProps) {
  const api = useMemo(() => createApi(base, widgetKey), [base, widgetKey])
  const [info, setInfo] = useState<WidgetInfo | null>(null)
  const [open, setOpen] = useState(false)
  const [token, setToken] = useState<string | null>(() => api.token())
  const [messages, setMessages] = useState<Message[]>([])
  const [agentTyping, setAgentTyping] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const typingTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const lastTyping = useRef(0)

  useEffect(() => {
    api.request<{ widget: WidgetInfo | null }>(queries.widget, { key: widgetKey }).then(d => setInfo(d.widget), () => setInfo(null))
  }, [api])

  const forget = (): void => {
    api.setToken(null)
    setToken(null)
    setMessages([])
  }

  const loadHistory = async (): Promise<void> => {
    try {
      const d = await api.request<{ visitorMessages: { nodes: Message[] } }>(queries.history, { last: 100 })
      setMessages(list => merge(list, d.visitorMessages.nodes))
    } catch (err) {
      // The server no longer knows this visitor (or this site): start afresh on the next message.
      if ((err as Partial<ApiError>).code === 'OL_UNAUTHENTICATED') forget()
    }
  }

  // One live connection per visit; the transcript is read at once and again whenever it (re)connects.
  useEffect(() => {
    if (token === null) return
    void loadHistory()
    const live = connectLive(base, token, {
      event: (e) => {
        if (e.kind === 'agentTyping') {
          setAgentTyping(true)
          clearTimeout(typingTimer.current)
          typingTimer.current = setTimeout(() => setAgentTyping(false), agentTypingMs)
        } else if (e.message !== null) {
          const message = e.message
          setMessages(list => merge(list, [message]))
          if (!message.fromVisitor) setAgentTyping(false)
        }
      },
      connected: () => { void loadHistory() },
      refused: () => { void loadHistory() }
    })
    return () => live.close()
  }, [token])

  if (info === null) return null
  // C3: hidden outside working hours, except for a visitor already in a conversation here.
  if (!info.show && token === null) return null
  const strings = stringsFor(info.language)

  const ensureVisit = async (): Promise<void> => {
    if (api.token() !== null) return
    const d = await api.request<{ startVisit: { token: string } }>(queries.startVisit, { key: widgetKey, locale: navigator.language })
    api.setToken(d.startVisit.token)
    setToken(d.startVisit.token)
  }

  const send = async (text: string, clientMessageId = newClientMessageId(), files: string[] = []): Promise<void> => {
    setError(null)
    if (files.length === 0) setMessages(list => [...list.filter(m => m.clientMessageId !== clientMessageId || m.state === undefined), localMessage(clientMessageId, text)])
    try {
      await ensureVisit()
      const d = await api.request<{ sendVisitorMessage: Message }>(queries.send, { text, id: clientMessageId, files })
      setMessages(list => merge(list, [d.sendVisitorMessage]))
    } catch (err) {
      setMessages(list => markFailed(list, clientMessageId))
      setError(describe(err, strings))
    }
  }

  const sendFile = async (file: File): Promise<void> => {
    setError(null)
    setBusy(true)
    try {
      await ensureVisit()
      const upload = await api.upload(file)
      await send('', newClientMessageId(), [upload.id])
    } catch (err) {
      setError(describe(err, strings))
    } finally {
      setBusy(false)
    }
  }

  const press = async (message: Message, data: string): Promise<void> => {
    setError(null)
    try {
      const d = await api.request<{ pressButton: Message }>(queries.press, { id: message.id, data })
      setMessages(list => merge(list, [d.pressButton]))
    } catch (err) {
      setError(describe(err, strings))
    }
  }

  const typing = (text: string): void => {
    const now = Date.now()
    if (token === null || text.trim() === '' || now - lastTyping.current < typingEveryMs) return
    lastTyping.current = now
    api.request(queries.typing, { preview: text.slice(0, 200) }).catch(() => {})
  }

  return (
    <div class={info.position === 'left' ? 'root left' : 'root'} style={{ '--accent': info.color ?? '#2563eb' }}>
      {open && (
        <Panel
          api={api} info={info} strings={strings} messages={messages} agentTyping={agentTyping} error={error} busy={busy}
          onClose={() => setOpen(false)}
          onSend={(text) => { void send(text) }}
          onFile={(file) => { void sendFile(file) }}
          onTyping={typing}
          onPress={(message, data) => { void press(message, data) }}
          onRetry={(message) => { if (message.clientMessageId !== null) void send(message.text, message.clientMessageId) }}
        />
      )}
      <button type='button' class='launcher' aria-label={open ? strings.close : strings.open} aria-expanded={open} onClick={() => setOpen(!open)}>
        <Icon name={open ? 'close' : 'chat'} size={26} />
      </button>
    </div>
  )
}

// K6: download a calendar event's .ics. The signed link lives 15 minutes, so it is asked for
// (`calendarEvent(id) { icsUrl }`) when the agent clicks, then followed like a download link.
import { useState } from 'preact/hooks'
import { errorText, useConsole } from '../context.ts'
import { safeUrl } from '../format.ts'

export function IcsDownload (props: { eventId: string }) {
  const { api, toast } = useConsole()
  const [busy, setBusy] = useState(false)
  async function download (): Promise<void> {
    setBusy(true)
    try {
      const data = await api.request<{ calendarEvent: { icsUrl: string } | null }>('query ConsoleIcs($id: ID!) { calendarEvent(id: $id) { icsUrl } }', { id: props.eventId })
      const href = safeUrl(data.calendarEvent?.icsUrl)
      if (href === null) { toast('This calendar event is no longer available.', 'error'); return }
      const link = document.createElement('a')
      link.href = href
      link.download = ''
      link.rel = 'noopener'
      link.className = 'ics-link'
      document.body.append(link)
      link.click()
      link.remove()
    } catch (err) {
      toast(errorText(err), 'error')
    } finally {
      setBusy(false)
    }
  }
  return <button type='button' class='ics-download' disabled={busy} onClick={() => { void download() }}>Download .ics</button>
}

// Runs an action of the registry (a plugin's mutation): fills what the console knows, asks the
// agent for the rest in a form built from the schema, and shows what came back (links, .ics).
import { useEffect, useMemo, useState } from 'preact/hooks'
import { errorText, useConsole } from './context.ts'
import { contextArgs, type ActionTarget, type ConsoleAction } from './actions.ts'
import { actionDocument, describeAction, toVariables, type ActionShape, type FormField } from './actionForm.ts'
import { safeUrl } from './format.ts'
import { go, routeHash, type Route } from './route.ts'
import { Dialog, FormError } from './Dialog.tsx'
import { IcsDownload } from './tasks/IcsDownload.tsx'

interface Outcome {
  links: { label: string, href: string, download?: string }[]
  /** A page of the console the result leads to. */
  next: { label: string, route: Route } | null
  /** A calendar event: its .ics is downloaded through a fresh signed link. */
  calendarEventId: string | null
}

/** Result fields that are links the console handles itself, not offered as plain links. */
const handledLinks = new Set(['icsUrl', 'ics', 'conversationUrl'])

const fieldLabel = (name: string): string => name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, c => c.toUpperCase())

export function ActionDialog (props: { action: ConsoleAction, target: ActionTarget, onClose: () => void, onDone?: () => void }) {
  const { api, schema, userList, openChannels, open, toast } = useConsole()
  const field = schema.field('Mutation', props.action.mutation)
  const filled = useMemo(() => contextArgs(props.target, props.action.scope), [])
  const [shape, setShape] = useState<ActionShape | null>(null)
  const [values, setValues] = useState<Record<string, unknown>>({})
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<Outcome | null>(null)

  useEffect(() => {
    if (field === undefined) { setError('This action is not available on this server.'); return }
    const argNames = new Set(field.args.map(a => a.name))
    const known = new Set(Object.keys(filled).filter(k => argNames.has(k) || k !== 'id'))
    describeAction(api, field, known).then((s) => {
      setShape(s)
      const defaults = props.action.defaults?.(props.target) ?? {}
      const initial: Record<string, unknown> = {}
      for (const f of s.fields) {
        const name = f.path[f.path.length - 1]
        if (defaults[name] !== undefined) initial[f.path.join('.')] = defaults[name]
      }
      setValues(initial)
      if (s.fields.length === 0) void run(s, initial)
    }, err => setError(errorText(err)))
  }, [])

  async function run (s: ActionShape, current: Record<string, unknown>): Promise<void> {
    if (field === undefined) return
    setBusy(true)
    setError(null)
    try {
      const vars = toVariables(s, current, filled, field.args.map(a => a.name))
      const data = await api.request<{ result: unknown }>(actionDocument(field, s, new Set(Object.keys(vars))), vars)
      // The action may have changed the conversation (a rating asked for, a record linked).
      props.onDone?.()
      const result = typeof data.result === 'object' && data.result !== null ? data.result as Record<string, unknown> : null
      if (result?.__typename === 'Conversation') {
        toast(`${props.action.label}: done`)
        props.onClose()
        open(String(result.id))
        return
      }
      const next = result === null ? null : props.action.after?.(result) ?? null
      if (next?.open === true) {
        toast(`${props.action.label}: done`)
        props.onClose()
        go(next.route)
        return
      }
      const calendarEventId = result?.__typename === 'CalendarEvent' && schema.plugin('Query', 'calendarEvent') ? String(result.id) : null
      const links: Outcome['links'] = []
      for (const [key, value] of Object.entries(result ?? {})) {
        if (typeof value !== 'string' || (calendarEventId !== null && handledLinks.has(key))) continue
        if (value.startsWith('BEGIN:VCALENDAR')) links.push({ label: 'Download .ics', href: URL.createObjectURL(new Blob([value], { type: 'text/calendar' })), download: 'event.ics' })
        else if (/^https?:\/\//.test(value) && safeUrl(value) !== null) links.push({ label: fieldLabel(key), href: safeUrl(value) as string })
      }
      toast(`${props.action.label}: done`)
      // Nothing was asked and nothing came back to look at: the toast says it all.
      if (s.fields.length === 0 && links.length === 0 && next === null && calendarEventId === null) { props.onClose(); return }
      setOutcome({ links, next, calendarEventId })
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  const input = (f: FormField) => {
    const key = f.path.join('.')
    const value = values[key]
    const set = (v: unknown): void => setValues(prev => ({ ...prev, [key]: v }))
    const text = typeof value === 'string' ? value : ''
    switch (f.kind) {
      case 'boolean': return <input type='checkbox' name={key} checked={value === true} onChange={(e) => set(e.currentTarget.checked)} />
      case 'longText': case 'json': return <textarea name={key} value={text} onInput={(e) => set(e.currentTarget.value)} />
      case 'number': return <input type='number' name={key} value={text} onInput={(e) => set(e.currentTarget.value)} />
      case 'dateTime': return <input type='datetime-local' name={key} value={text} onInput={(e) => set(e.currentTarget.value)} />
      case 'user': return (
        <select name={key} value={text} onChange={(e) => set(e.currentTarget.value)}>
          <option value=''>—</option>
          {userList.map(u => <option key={u.id} value={u.id}>{u.name}</option>)}
        </select>
      )
      case 'users': {
        const chosen = Array.isArray(value) ? value as string[] : []
        return (
          <fieldset class='user-choice'>
            {userList.map(u => (
              <label key={u.id} class='check'>
                <input type='checkbox' name={key} value={u.id} checked={chosen.includes(u.id)} onChange={(e) => set(e.currentTarget.checked ? [...chosen, u.id] : chosen.filter(x => x !== u.id))} /> {u.name}
              </label>
            ))}
          </fieldset>
        )
      }
      case 'openChannel': return (
        <select name={key} value={text} onChange={(e) => set(e.currentTarget.value)}>
          <option value=''>—</option>
          {openChannels.map(c => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select>
      )
      case 'choice': return (
        <select name={key} value={text} onChange={(e) => set(e.currentTarget.value)}>
          <option value=''>—</option>
          {f.choices.map(c => <option key={c} value={c}>{c}</option>)}
        </select>
      )
      default: return <input type='text' name={key} value={text} onInput={(e) => set(e.currentTarget.value)} />
    }
  }

  return (
    <Dialog title={props.action.label} name='action' onClose={props.onClose}>
      {shape === null && error === null && <p class='muted'>Loading…</p>}
      {outcome !== null
        ? (
          <div class='action-outcome'>
            <p>Done.</p>
            <ul>
              {outcome.calendarEventId !== null && <li><IcsDownload eventId={outcome.calendarEventId} /></li>}
              {outcome.links.map(l => <li key={l.href}><a href={l.href} download={l.download} target='_blank' rel='noopener noreferrer'>{l.label}</a></li>)}
              {outcome.next !== null && <li><a class='next-link' href={routeHash(outcome.next.route)} onClick={props.onClose}>{outcome.next.label}</a></li>}
            </ul>
            <div class='dialog-actions'><button type='button' class='primary' onClick={props.onClose}>Close</button></div>
          </div>
          )
        : shape !== null && shape.fields.length > 0 && (
          <form onSubmit={(e) => { e.preventDefault(); void run(shape, values) }}>
            {shape.fields.map(f => f.kind === 'users'
              ? (
                <div key={f.path.join('.')} class='field'>
                  <span class='field-label'>{f.label}{f.required ? ' *' : ''}</span>
                  {input(f)}
                </div>
                )
              : (
                <label key={f.path.join('.')} class={f.kind === 'boolean' ? 'check' : ''}>
                  {f.label}{f.required ? ' *' : ''}
                  {input(f)}
                </label>
                ))}
            <FormError error={error} />
            <div class='dialog-actions'>
              <button type='submit' class='primary' disabled={busy}>{props.action.label}</button>
              <button type='button' onClick={props.onClose}>Cancel</button>
            </div>
          </form>
          )}
      {(shape === null || shape.fields.length === 0) && <FormError error={error} />}
    </Dialog>
  )
}

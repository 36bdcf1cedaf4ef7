// Create or edit one quick answer; the plugin's field errors are shown at their fields.
import { useState } from 'preact/hooks'
import { errorText, useConsole } from '../context.ts'
import { isApiFailure, type FieldProblem } from '../api.ts'
import { Dialog, FormError } from '../Dialog.tsx'
import type { QuickAnswer } from './quickAnswer.ts'

export function QuickAnswerForm (props: { answer: QuickAnswer | null, onClose: () => void, onSaved: () => void }) {
  const { api, openChannels, toast } = useConsole()
  const a = props.answer
  const [values, setValues] = useState({ title: a?.title ?? '', text: a?.text ?? '', category: a?.category ?? '', openChannelId: a?.openChannelId ?? '', personal: a?.personal ?? false })
  const [error, setError] = useState<string | null>(null)
  const [fields, setFields] = useState<FieldProblem[]>([])
  const set = (patch: Partial<typeof values>): void => setValues(v => ({ ...v, ...patch }))
  const problem = (name: string) => {
    const message = fields.find(f => f.path === `/${name}`)?.message
    return message === undefined ? null : <p class='field-error'>{message}</p>
  }

  async function submit (e: Event): Promise<void> {
    e.preventDefault()
    const all: Record<string, unknown> = { title: values.title, text: values.text, category: values.category, openChannelId: values.openChannelId === '' ? null : values.openChannelId, personal: values.personal }
    // An update sends only what changed: only the author may touch `personal`, for one.
    const before: Record<string, unknown> = a === null ? {} : { title: a.title ?? '', text: a.text, category: a.category ?? '', openChannelId: a.openChannelId, personal: a.personal }
    const input = a === null ? all : Object.fromEntries(Object.entries(all).filter(([k, v]) => v !== before[k]))
    try {
      if (a === null) {
        // Omitted means every channel on create; the console leaves out nulls.
        await api.request('mutation ConsoleCreateQuickAnswer($input: CreateQuickAnswerInput!) { createQuickAnswer(input: $input) { id } }', { input })
      } else {
        await api.request('mutation ConsoleUpdateQuickAnswer($id: ID!, $input: UpdateQuickAnswerInput!) { updateQuickAnswer(id: $id, input: $input) { id } }', { id: a.id, input })
      }
      toast(a === null ? 'Quick answer created' : 'Quick answer saved')
      props.onSaved()
    } catch (err) {
      setError(errorText(err))
      setFields(isApiFailure(err) ? err.fields : [])
    }
  }

  return (
    <Dialog title={a === null ? 'New quick answer' : 'Edit quick answer'} name='quick-answer-form' onClose={props.onClose}>
      <form onSubmit={submit}>
        <label>Title<input type='text' name='title' value={values.title} onInput={(e) => set({ title: e.currentTarget.value })} /></label>
        {problem('title')}
        <label>Text *<textarea name='text' value={values.text} onInput={(e) => set({ text: e.currentTarget.value })} /></label>
        <p class='muted hint'>Variables: {'{{clientName}}'}, {'{{channelName}}'}, {'{{agentName}}'}</p>
        {problem('text')}
        <label>Category<input type='text' name='category' value={values.category} onInput={(e) => set({ category: e.currentTarget.value })} /></label>
        {problem('category')}
        <label>Channel
          <select name='openChannelId' value={values.openChannelId} onChange={(e) => set({ openChannelId: e.currentTarget.value })}>
            <option value=''>Every channel</option>
            {openChannels.map(c => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        {problem('openChannelId')}
        <label class='check'><input type='checkbox' name='personal' checked={values.personal} onChange={(e) => set({ personal: e.currentTarget.checked })} /> Only for me</label>
        <FormError error={error} />
        <div class='dialog-actions'>
          <button type='submit' class='primary'>Save</button>
          <button type='button' onClick={props.onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  )
}

import { useState } from 'preact/hooks'
import { errorText } from './context.ts'
import { Dialog, FormError } from './Dialog.tsx'

export function ConfirmDialog (props: { title: string, text: string, confirm: string, run: () => Promise<void>, onClose: () => void }) {
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  async function go (): Promise<void> {
    setBusy(true)
    try {
      await props.run()
      props.onClose()
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }
  return (
    <Dialog title={props.title} name='confirm' onClose={props.onClose}>
      <p>{props.text}</p>
      <FormError error={error} />
      <div class='dialog-actions'>
        <button type='button' class='primary' disabled={busy} onClick={go}>{props.confirm}</button>
        <button type='button' onClick={props.onClose}>Cancel</button>
      </div>
    </Dialog>
  )
}

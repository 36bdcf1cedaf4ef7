// K6: a staff chat with chosen colleagues (`startStaffChat`).
import { useState } from 'preact/hooks'
import { errorText, useConsole } from '../context.ts'
import { go } from '../route.ts'
import { Dialog, FormError } from '../Dialog.tsx'

export function NewStaffChatDialog (props: { onClose: () => void }) {
  const { api, me, userList, staffChats } = useConsole()
  const [title, setTitle] = useState('')
  const [members, setMembers] = useState<string[]>([])
  const [error, setError] = useState<string | null>(null)
  async function submit (e: Event): Promise<void> {
    e.preventDefault()
    try {
      const data = await api.request<{ startStaffChat: { id: string } }>('mutation ConsoleNewChat($title: String!, $ids: [ID!]!) { startStaffChat(title: $title, memberIds: $ids) { id } }', { title, ids: members })
      await staffChats?.reload()
      props.onClose()
      go({ page: 'staffChats', id: data.startStaffChat.id })
    } catch (err) {
      setError(errorText(err))
    }
  }
  return (
    <Dialog title='New staff chat' name='new-chat' onClose={props.onClose}>
      <form onSubmit={submit}>
        <label>Title<input type='text' name='title' value={title} onInput={(e) => setTitle(e.currentTarget.value)} /></label>
        <fieldset class='user-choice'>
          <legend>Colleagues</legend>
          {userList.filter(u => u.id !== me.id).map(u => (
            <label key={u.id} class='check'>
              <input type='checkbox' name='memberIds' value={u.id} checked={members.includes(u.id)} onChange={(e) => setMembers(e.currentTarget.checked ? [...members, u.id] : members.filter(x => x !== u.id))} /> {u.name}
            </label>
          ))}
        </fieldset>
        <FormError error={error} />
        <div class='dialog-actions'>
          <button type='submit' class='primary'>Start chat</button>
          <button type='button' onClick={props.onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  )
}

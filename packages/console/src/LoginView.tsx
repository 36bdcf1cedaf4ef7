import { useState } from 'preact/hooks'
import { createApi } from './api.ts'
import { errorText } from './context.ts'

const loginMutation = 'mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token } }'

export function LoginView (props: { onSignedIn: (token: string) => void }) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  async function submit (event: Event): Promise<void> {
    event.preventDefault()
    if (email.trim() === '' || password === '') {
      setError('Enter your e-mail and password.')
      return
    }
    setBusy(true)
    setError(null)
    try {
      const data = await createApi(null).request<{ login: { token: string } }>(loginMutation, { email: email.trim(), password })
      props.onSignedIn(data.login.token)
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }

  return (
    <main class='login'>
      <form class='login-form' onSubmit={submit} noValidate>
        <h1>Openline</h1>
        <p class='muted'>Agent console</p>
        <label>E-mail
          <input name='email' type='email' autocomplete='username' value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>Password
          <input name='password' type='password' autocomplete='current-password' value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        {error !== null && <p class='form-error' role='alert'>{error}</p>}
        <button type='submit' class='primary' disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  )
}

// Signed out: the login form. Signed in: the workspace, rebuilt from scratch for every session.
import { useState } from 'preact/hooks'
import { savedToken, saveToken } from './session.ts'
import { LoginView } from './LoginView.tsx'
import { Workspace } from './Workspace.tsx'

export function App () {
  const [token, setToken] = useState<string | null>(savedToken())
  const signIn = (next: string): void => { saveToken(next); setToken(next) }
  const signOut = (): void => { saveToken(null); setToken(null); document.title = 'Openline' }
  if (token === null) return <LoginView onSignedIn={signIn} />
  return <Workspace key={token} token={token} onSignOut={signOut} />
}

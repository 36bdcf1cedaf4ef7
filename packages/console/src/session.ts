// The signed-in agent's token, kept in localStorage so a reload keeps the session.
const key = 'openline.console.token'

export function savedToken (): string | null {
  try {
    return localStorage.getItem(key)
  } catch {
    return null
  }
}

export function saveToken (token: string | null): void {
  try {
    if (token === null) localStorage.removeItem(key)
    else localStorage.setItem(key, token)
  } catch {
    // Private mode without storage: the session lasts as long as the page.
  }
}

// K1 notifications outside the page: the title badge and the browser's Notification.

const appName = 'Openline'

export function titleFor (unread: number): string {
  return unread > 0 ? `(${unread}) ${appName}` : appName
}

export function notificationsSupported (): boolean {
  return typeof window.Notification === 'function'
}

export function notificationPermission (): NotificationPermission | 'unsupported' {
  return notificationsSupported() ? Notification.permission : 'unsupported'
}

/** Must run from a click: browsers refuse permission prompts without a user gesture. */
export async function askNotificationPermission (): Promise<NotificationPermission | 'unsupported'> {
  if (!notificationsSupported()) return 'unsupported'
  return Notification.requestPermission()
}

/**
 * A system notification, only when permitted and the tab is hidden (in-page toasts cover a visible
 * tab). Clicking it brings the console back and runs `onClick`.
 */
export function notifyOutside (title: string, body: string, tag: string, onClick: () => void): boolean {
  if (!notificationsSupported() || Notification.permission !== 'granted' || document.visibilityState !== 'hidden') return false
  try {
    const n = new Notification(title, { body, tag })
    n.onclick = () => { window.focus(); onClick(); n.close() }
    return true
  } catch {
    // Some browsers only allow notifications from a service worker: the toast and badge remain.
    return false
  }
}

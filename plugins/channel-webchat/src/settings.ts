// What an admin sets when connecting a web-chat widget to an open channel, and the Origin rule.
import { Type, type Static } from '@openline/sdk'

/** An origin as browsers send it: scheme, lower-case host (or [IPv6]) and optional port; no path. */
const originPattern = '^https?://([a-z0-9-]+(\\.[a-z0-9-]+)*|\\[[0-9a-f:.]+\\])(:[0-9]{1,5})?$'

export const settingsSchema = Type.Object({
  /** Sites that may embed this widget, e.g. `https://shop.example`. Empty: any site. */
  allowedOrigins: Type.Array(Type.String({ pattern: originPattern, maxLength: 300 }), { default: [], maxItems: 100, uniqueItems: true }),
  /** Shown in the widget's header; the open channel's name when absent. */
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  /** Accent colour of the launcher and the visitor's bubbles. */
  color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
  position: Type.Union([Type.Literal('right'), Type.Literal('left')], { default: 'right' })
})

export type WebchatSettings = Static<typeof settingsSchema>

/** Settings as stored (older rows or hand edits may lack fields). */
export function readSettings (raw: Record<string, unknown>): WebchatSettings {
  const origins = Array.isArray(raw.allowedOrigins) ? raw.allowedOrigins.filter((o): o is string => typeof o === 'string') : []
  return {
    allowedOrigins: origins,
    ...(typeof raw.title === 'string' && raw.title !== '' ? { title: raw.title } : {}),
    ...(typeof raw.color === 'string' && /^#[0-9a-fA-F]{6}$/.test(raw.color) ? { color: raw.color } : {}),
    position: raw.position === 'left' ? 'left' : 'right'
  }
}

/**
 * Whether a browser on `origin` may use this widget. The server's own origin (the demo page) is
 * always allowed. A request without Origin comes from no browser page at all (a script could send
 * any Origin it likes), so Origin is a browser-side guard, not authentication.
 */
export function originAllowed (settings: WebchatSettings, origin: string | null, ownOrigin: string): boolean {
  if (origin === null || origin === undefined) return true
  if (settings.allowedOrigins.length === 0) return true
  const given = origin.toLowerCase()
  return given === ownOrigin.toLowerCase() || settings.allowedOrigins.includes(given)
}

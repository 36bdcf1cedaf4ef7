// The plugin's options (config `plugins` entry), validated at boot.
import { Type, type Static } from '@openline/sdk'

const limit = (max: number, windowSec: number) => Type.Object({
  max: Type.Integer({ minimum: 1, maximum: 100_000, default: max }),
  windowSec: Type.Integer({ minimum: 1, maximum: 86_400, default: windowSec })
}, { default: {} })

/** Programs and scripts a visitor may not upload (the core's `files.deniedExtensions` is not readable by plugins). */
export const defaultDeniedExtensions = [
  'exe', 'com', 'bat', 'cmd', 'msi', 'msp', 'scr', 'pif', 'cpl', 'dll', 'sys', 'vbs', 'vbe', 'js', 'jse', 'mjs',
  'wsf', 'wsh', 'ps1', 'psm1', 'sh', 'bash', 'jar', 'apk', 'app', 'dmg', 'hta', 'lnk', 'reg', 'iso'
]

export const optionsSchema = Type.Object({
  /** New visits (widget conversations) per client IP. */
  startVisitLimit: limit(20, 600),
  /** Messages and button presses per visitor. */
  messageLimit: limit(60, 60),
  /** Uploads per visitor. */
  uploadLimit: limit(20, 600),
  /** Largest visitor upload in bytes; the core's `files.maxBytes` caps it. */
  maxUploadBytes: Type.Integer({ minimum: 1024, maximum: 2 * 1024 * 1024 * 1024, default: 10 * 1024 * 1024 }),
  /** Lower-case extensions without the dot. */
  deniedExtensions: Type.Array(Type.String({ pattern: '^[a-z0-9]{1,10}$' }), { maxItems: 500, default: defaultDeniedExtensions })
})

export type WebchatOptions = Static<typeof optionsSchema>

import type { Attachment, Logger, PluginContext } from '@openline/sdk'
import { callApi, type ApiTarget } from './api.ts'
import { cleanText, isObject } from './clean.ts'
import type { FileRef } from './inbound.ts'

// What getFile returns as `file_path`: relative, plain segments (`photos/file_0.jpg`). Anything
// else (absolute URLs, `..`, percent-encoding that URL parsing would turn into `..`) is refused.
const filePathPattern = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/

/** The download URL of a getFile `file_path`, or null when it would leave `<base>/file/bot<token>/`. */
export function fileUrl (target: ApiTarget, filePath: unknown): string | null {
  if (typeof filePath !== 'string' || filePath.length > 1024 || !filePathPattern.test(filePath)) return null
  if (filePath.split('/').some(segment => segment === '.' || segment === '..')) return null
  const prefix = `${target.base}/file/bot${target.token}/`
  const url = new URL(prefix + filePath)
  const expected = new URL(prefix)
  if (url.origin !== expected.origin || !url.pathname.startsWith(expected.pathname)) return null
  return url.href
}

/**
 * Fetch the files of an update through the Bot API (getFile, then `<base>/file/bot<token>/<path>`)
 * and keep them. A file that cannot be fetched is still listed, with its `providerFileId` and no
 * `storageKey`: the message is never lost for an attachment.
 */
export async function fetchAttachments (files: FileRef[], deps: { target: ApiTarget, maxBytes: number, files: PluginContext['files'], log: Logger }): Promise<Attachment[]> {
  const origin = new URL(deps.target.base).origin
  const maxBytes = Math.min(deps.maxBytes, deps.files.maxBytes)
  return Promise.all(files.map(async (file): Promise<Attachment> => {
    const attachment: Attachment = { kind: file.kind, providerFileId: file.fileId }
    if (file.name !== undefined) attachment.name = file.name
    if (file.mimeType !== undefined) attachment.mimeType = file.mimeType
    if (file.size !== undefined) attachment.size = file.size
    if (file.size !== undefined && file.size > maxBytes) {
      deps.log.info({ size: file.size, maxBytes }, 'telegram: attachment over the size limit, kept as a reference only')
      return attachment
    }
    try {
      const info = await callApi<unknown>(deps.target, 'getFile', { file_id: file.fileId }, { timeoutMs: 10_000 })
      const url = fileUrl(deps.target, isObject(info) ? info.file_path : undefined)
      if (url === null) {
        deps.log.warn({ filePath: isObject(info) ? cleanText(info.file_path, 200) : undefined }, 'telegram: refusing a getFile path outside the file endpoint')
        return attachment
      }
      // The API origin is the admin's configuration, hence trusted (a loopback Bot API server works);
      // redirects and other hosts stay refused by the guard.
      const res = await deps.files.fetch(url, { trustedOrigins: [origin], maxBytes })
      if (res.status !== 200) {
        deps.log.warn({ status: res.status }, 'telegram: file download not answered with the file (redirects are not followed)')
        return attachment
      }
      const stored = await deps.files.store(res.data)
      attachment.storageKey = stored.storageKey
      attachment.size = stored.size
      return attachment
    } catch (err) {
      // Messages only: errors could carry the URL, which holds the bot token.
      deps.log.info({ error: String((err as Error)?.message).replaceAll(deps.target.token, '<token>') }, 'telegram: attachment not fetched; stored as a reference')
      return attachment
    }
  }))
}

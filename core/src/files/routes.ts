import multipart from '@fastify/multipart'
import type { FastifyInstance } from 'fastify'
import { OpenlineError, errorCodes } from '@openline/sdk'
import type { Core } from '../core.ts'
import { authenticate } from '../auth/index.ts'
import { isActiveType, isInlineType } from './signed.ts'

export interface UploadRecord { id: string, name: string, mimeType: string, size: number }

const mimePattern = /^[\w.+-]+\/[\w.+-]+$/

/** A file name safe to show and to put in a header: no paths, no control characters, bounded. */
export function cleanFileName (name: string): string {
  const base = name.split(/[\\/]/).pop() ?? ''
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 200)
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'file' : cleaned
}

export const extensionOf = (name: string): string => (/\.([^.]+)$/.exec(name)?.[1] ?? '').toLowerCase()

/** Refuses names whose extension is a program or script the platform should never pass on. */
export function checkFileType (core: Core, name: string): void {
  const ext = extensionOf(name)
  if (ext !== '' && core.config.files.deniedExtensions.includes(ext)) {
    throw new OpenlineError(errorCodes.validation, `Files of type .${ext} are not accepted`, { statusCode: 415, fields: [{ path: '/file', message: `.${ext} files are not accepted` }] })
  }
}

function contentDisposition (kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/[\\"]/g, '_')
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

/**
 * `POST /files`: an agent uploads a file (multipart, one part) before attaching it to a message;
 * `GET /files/<signed token>`: a short-lived link, served so that nothing in it can run in our origin.
 */
export async function registerFileRoutes (app: FastifyInstance, core: Core): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: core.files.maxBytes, files: 1, fields: 0, parts: 1 } })
    scope.post('/files', async (request, reply) => {
      const user = await authenticate(core, request.headers.authorization)
      if (user === null) throw new OpenlineError(errorCodes.unauthenticated, 'Sign in to upload files', { statusCode: 401 })
      if (!request.isMultipart()) throw new OpenlineError(errorCodes.validation, 'Send the file as multipart/form-data', { statusCode: 400, fields: [{ path: '/file', message: 'expected multipart/form-data' }] })
      const part = await request.file()
      if (part === undefined) throw new OpenlineError(errorCodes.validation, 'No file in the request', { statusCode: 400, fields: [{ path: '/file', message: 'required' }] })
      const name = cleanFileName(part.filename)
      checkFileType(core, name)
      let data: Buffer
      try {
        data = await part.toBuffer()
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new OpenlineError(errorCodes.validation, `Files are limited to ${core.files.maxBytes} bytes`, { statusCode: 413, fields: [{ path: '/file', message: 'too large' }] })
        throw err
      }
      if (data.byteLength === 0) throw new OpenlineError(errorCodes.validation, 'The file is empty', { statusCode: 400, fields: [{ path: '/file', message: 'empty' }] })
      const mimeType = mimePattern.test(part.mimetype) ? part.mimetype.toLowerCase() : 'application/octet-stream'
      const storageKey = await core.files.storage.put(data)
      const rows = await (core.orm.em.fork() as any).execute('insert into uploads (user_id, storage_key, name, mime_type, size) values (?, ?, ?, ?, ?) returning id::text', [user.id, storageKey, name, mimeType, data.byteLength]) as { id: string }[]
      const upload: UploadRecord = { id: rows[0].id, name, mimeType, size: data.byteLength }
      return reply.code(201).send(upload)
    })
  })

  // A wildcard, not a `:token` parameter: tokens are longer than the router's parameter limit.
  app.get<{ Params: { '*': string } }>('/files/*', async (request, reply) => {
    const file = core.files.signer.verify(request.params['*'])
    if (file === null) throw new OpenlineError(errorCodes.notFound, 'This link is invalid or has expired', { statusCode: 404 })
    const data = await core.files.storage.get(file.storageKey).catch(() => { throw new OpenlineError(errorCodes.notFound, 'No such file', { statusCode: 404 }) })
    const declared = file.mimeType !== undefined && mimePattern.test(file.mimeType) ? file.mimeType : 'application/octet-stream'
    const inline = isInlineType(declared) && !isActiveType(declared)
    return reply
      .header('content-type', inline ? declared : 'application/octet-stream')
      .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', file.name ?? 'file'))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, max-age=300')
      .send(data)
  })
}

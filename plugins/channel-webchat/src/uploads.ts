// `POST /plugins/channel-webchat/upload`: a visitor's file (multipart, one part, their token in
// Authorization) kept in the core's storage and recorded as theirs; `sendVisitorMessage` then
// attaches it by id. Called cross-origin by widgets on customers' sites (CORS here, Origin per widget).
import cors from '@fastify/cors'
import multipart from '@fastify/multipart'
import type { FastifyInstance } from 'fastify'
import { OpenlineError, errorCodes } from '@openline/sdk'
import { authenticate, type Ctx } from './visitors.ts'
import { sql } from './sql.ts'

export interface UploadRecord { id: string, name: string, mimeType: string, size: number }

const mimePattern = /^[\w.+-]+\/[\w.+-]+$/

/** The last path segment without control characters or quotes, at most 200 characters; `file` when nothing is left. */
export function cleanFileName (given: string): string {
  const name = (given.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 200)
  return /^\.{0,2}$/.test(name) ? 'file' : name
}

const fileError = (statusCode: number, message: string, field: string): OpenlineError =>
  new OpenlineError(errorCodes.validation, message, { statusCode, fields: [{ path: '/file', message: field }] })

export async function registerUploads (app: FastifyInstance, ctx: Ctx): Promise<void> {
  const maxBytes = Math.min(ctx.options.maxUploadBytes, ctx.files.maxBytes)
  const denied = new Set(ctx.options.deniedExtensions)
  await app.register(async (scope) => {
    // Bearer tokens, never cookies: answering any Origin grants a site nothing without a visitor's token.
    await scope.register(cors, { origin: true, credentials: false, methods: ['POST'], allowedHeaders: ['authorization'], maxAge: 600 })
    await scope.register(multipart, { limits: { fileSize: maxBytes, files: 1, fields: 0, parts: 1 } })
    scope.post('/upload', async (request, reply) => {
      const header = request.headers.authorization
      const token = typeof header === 'string' ? header.replace(/^Bearer /i, '') : null
      const session = await authenticate(ctx, { token, ip: request.ip, origin: request.headers.origin ?? null })
      if (!request.isMultipart()) throw fileError(400, 'Send the file as multipart/form-data', 'expected multipart/form-data')
      const verdict = await ctx.rateLimit(`upload:${session.visitor.id}`, ctx.options.uploadLimit)
      if (!verdict.allowed) throw new OpenlineError(errorCodes.rateLimited, `Too many files; try again in ${verdict.retryAfterSec} s`, { statusCode: 429 })
      const part = await request.file()
      if (part === undefined) throw fileError(400, 'No file in the request', 'required')
      const name = cleanFileName(part.filename)
      const extension = (/\.([^.]+)$/.exec(name)?.[1] ?? '').toLowerCase()
      if (denied.has(extension)) throw fileError(415, `Files of type .${extension} are not accepted`, `.${extension} files are not accepted`)
      let data: Buffer
      try {
        data = await part.toBuffer()
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw fileError(413, `Files are limited to ${maxBytes} bytes`, 'too large')
        throw err
      }
      if (data.byteLength === 0) throw fileError(400, 'The file is empty', 'empty')
      const mimeType = mimePattern.test(part.mimetype) ? part.mimetype.toLowerCase() : 'application/octet-stream'
      const stored = await ctx.files.store(data)
      const rows = await sql<{ id: string }>(ctx,
        'insert into channel_webchat_uploads (visitor_id, storage_key, name, mime, size) values (?, ?, ?, ?, ?) returning id::text as id',
        [session.visitor.id, stored.storageKey, name, mimeType, stored.size])
      const upload: UploadRecord = { id: rows[0].id, name, mimeType, size: stored.size }
      return reply.code(201).send(upload)
    })
  })
}

// A loopback stand-in for the Telegram Bot API, speaking its wire format: `POST /bot<token>/<method>`
// with JSON or multipart bodies, answers `{ ok: true, result }` or
// `{ ok: false, error_code, description, parameters? }`, files at `GET /file/bot<token>/<file_path>`.
import Fastify, { type FastifyInstance } from 'fastify'

export interface FakeCall {
  method: string
  params: Record<string, unknown>
  /** Multipart uploads: field name → bytes. */
  uploads: Record<string, { bytes: Buffer, name: string, type: string }>
  at: number
}

export interface FakeFile {
  fileId: string
  uniqueId: string
  bytes: Buffer
  /** What getFile answers as `file_path` (tests override it to attempt path tricks). */
  filePath: string
  /** Answer the download with a redirect to this URL instead of the bytes. */
  redirectTo?: string
}

export interface FakeTelegram {
  url: string
  token: string
  bot: { id: number, username: string }
  /** The webhook setWebhook registered (null after deleteWebhook). */
  webhook: () => { url: string, secret_token?: string, allowed_updates?: string[] } | null
  calls: (method?: string) => FakeCall[]
  /** Successful sends (sendMessage, sendPhoto, sendDocument, sendSticker). */
  sent: () => FakeCall[]
  addFile: (file: { fileId: string, bytes: Buffer, filePath?: string, redirectTo?: string }) => FakeFile
  /** Requests to any path, including downloads. */
  paths: () => string[]
  /** The next `count` send calls fail with `status` (429: with `retry_after` seconds). */
  failNext: (count: number, status: number, retryAfterSec?: number) => void
  /** Chats that blocked the bot: sends answer 403. */
  block: (chatId: number) => void
  /** A message the bot sent, as the chat shows it now (undefined: never sent, or deleted). */
  message: (chatId: number, messageId: number) => FakeMessage | undefined
  /** Pretend a sent message is `hours` older (deleteMessage refuses bot messages older than 48 hours). */
  age: (chatId: number, messageId: number, hours: number) => void
  close: () => Promise<void>
}

/** A sent message as the fake keeps it, for edits and deletions. */
export interface FakeMessage {
  text?: string
  caption?: string
  entities?: unknown
  replyMarkup?: unknown
  /** Sent as a file (photo, document, sticker): has a caption, not a text. */
  media: boolean
  sentAt: number
  edits: number
}

const sendMethods = new Set(['sendMessage', 'sendPhoto', 'sendDocument', 'sendSticker'])
const changeMethods = new Set(['editMessageText', 'editMessageCaption', 'deleteMessage'])

function fail (reply: any, status: number, description: string, parameters?: Record<string, unknown>): unknown {
  if (parameters?.retry_after !== undefined) reply.header('retry-after', String(parameters.retry_after))
  return reply.code(status).send({ ok: false, error_code: status, description, ...(parameters !== undefined ? { parameters } : {}) })
}

export async function startFakeTelegram (options: { token?: string, botId?: number, username?: string } = {}): Promise<FakeTelegram> {
  const token = options.token ?? '123456:TEST-fake-token_abcdefghijklmnopqrst'
  const bot = { id: options.botId ?? Number(token.split(':')[0]), username: options.username ?? 'openline_test_bot' }
  let webhook: { url: string, secret_token?: string, allowed_updates?: string[] } | null = null
  const calls: FakeCall[] = []
  const sent: FakeCall[] = []
  const paths: string[] = []
  const files = new Map<string, FakeFile>()
  const blocked = new Set<number>()
  const messages = new Map<string, FakeMessage>()
  let failures: { status: number, retryAfterSec?: number }[] = []
  // Bot messages share the chat's numbering with the client's; tests use ids below this.
  const nextId = new Map<number, number>()
  const messageId = (chat: number): number => { const n = (nextId.get(chat) ?? 500_000) + 1; nextId.set(chat, n); return n }

  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 60 * 1024 * 1024 })
  app.addHook('onRequest', async (request) => { paths.push(request.url) })
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))))

  app.get('/file/bot:token/*', async (request, reply) => {
    const { token: given } = request.params as { token: string }
    if (given !== token) return reply.code(404).send({ ok: false, error_code: 404, description: 'Not Found' })
    const path = (request.params as { '*': string })['*']
    const file = [...files.values()].find(f => f.filePath === path)
    if (file === undefined) return reply.code(404).send({ ok: false, error_code: 404, description: 'Not Found' })
    if (file.redirectTo !== undefined) return reply.code(302).header('location', file.redirectTo).send()
    return reply.header('content-type', 'application/octet-stream').send(file.bytes)
  })

  app.post('/bot:token/:method', async (request, reply) => {
    const { token: given, method } = request.params as { token: string, method: string }
    let params: Record<string, unknown> = {}
    const uploads: FakeCall['uploads'] = {}
    const type = String(request.headers['content-type'] ?? '')
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(new Uint8Array(request.body as Buffer), { headers: { 'content-type': type } }).formData()
      const fields: [string, FormDataEntryValue][] = []
      form.forEach((value, key) => { fields.push([key, value]) })
      for (const [key, value] of fields) {
        if (typeof value === 'string') {
          try { params[key] = /^[[{]/.test(value) ? JSON.parse(value) : value } catch { params[key] = value }
        } else {
          uploads[key] = { bytes: Buffer.from(await value.arrayBuffer()), name: value.name, type: value.type }
        }
      }
    } else if (request.body !== undefined && request.body !== null) {
      params = request.body as Record<string, unknown>
    }
    const call: FakeCall = { method, params, uploads, at: Date.now() }
    calls.push(call)
    if (given !== token) return fail(reply, 401, 'Unauthorized')
    const ok = (result: unknown, description?: string): unknown => ({ ok: true, result, ...(description !== undefined ? { description } : {}) })
    const chatId = Number(params.chat_id)

    switch (method) {
      case 'getMe':
        return ok({ id: bot.id, is_bot: true, first_name: 'Openline Test', username: bot.username, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false })
      case 'setWebhook': {
        if (typeof params.url !== 'string' || params.url === '') return fail(reply, 400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook')
        const secret = params.secret_token
        if (secret !== undefined && (typeof secret !== 'string' || !/^[A-Za-z0-9_-]{1,256}$/.test(secret))) return fail(reply, 400, 'Bad Request: secret token contains unallowed characters')
        webhook = { url: params.url, secret_token: secret as string | undefined, allowed_updates: params.allowed_updates as string[] | undefined }
        return ok(true, 'Webhook was set')
      }
      case 'deleteWebhook':
        webhook = null
        return ok(true, 'Webhook was deleted')
      case 'getFile': {
        const file = files.get(String(params.file_id))
        if (file === undefined) return fail(reply, 400, 'Bad Request: invalid file_id')
        return ok({ file_id: file.fileId, file_unique_id: file.uniqueId, file_size: file.bytes.length, file_path: file.filePath })
      }
      case 'answerCallbackQuery':
        if (typeof params.callback_query_id !== 'string') return fail(reply, 400, 'Bad Request: query is too old and response timeout expired or query ID is invalid')
        return ok(true)
      case 'sendChatAction':
        if (!Number.isFinite(chatId)) return fail(reply, 400, 'Bad Request: chat not found')
        return ok(true)
    }
    if (!sendMethods.has(method) && !changeMethods.has(method)) return fail(reply, 404, 'Not Found')
    const failure = failures.shift()
    if (failure !== undefined) {
      if (failure.status === 429) return fail(reply, 429, `Too Many Requests: retry after ${failure.retryAfterSec ?? 1}`, { retry_after: failure.retryAfterSec ?? 1 })
      return fail(reply, failure.status, failure.status >= 500 ? 'Internal Server Error' : 'Bad Request')
    }
    if (changeMethods.has(method)) {
      if (!Number.isFinite(chatId)) return fail(reply, 400, 'Bad Request: chat not found')
      if (blocked.has(chatId)) return fail(reply, 403, 'Forbidden: bot was blocked by the user')
      const key = `${chatId}:${String(params.message_id)}`
      const stored = messages.get(key)
      if (method === 'deleteMessage') {
        if (stored === undefined) return fail(reply, 400, 'Bad Request: message to delete not found')
        if (Date.now() - stored.sentAt > 48 * 3_600_000) return fail(reply, 400, "Bad Request: message can't be deleted for everyone")
        messages.delete(key)
        return ok(true)
      }
      if (stored === undefined) return fail(reply, 400, 'Bad Request: message to edit not found')
      const markup = params.reply_markup
      if (method === 'editMessageText') {
        if (stored.media) return fail(reply, 400, 'Bad Request: there is no text in the message to edit')
        if (typeof params.text !== 'string' || params.text.trim() === '') return fail(reply, 400, 'Bad Request: message text is empty')
        if (params.text.length > 4096) return fail(reply, 400, 'Bad Request: MESSAGE_TOO_LONG')
        if (params.text === stored.text && JSON.stringify(params.entities) === JSON.stringify(stored.entities) && JSON.stringify(markup) === JSON.stringify(stored.replyMarkup)) {
          return fail(reply, 400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message')
        }
        Object.assign(stored, { text: params.text, entities: params.entities, replyMarkup: markup, edits: stored.edits + 1 })
      } else {
        if (!stored.media) return fail(reply, 400, 'Bad Request: there is no caption in the message to edit')
        const caption = typeof params.caption === 'string' ? params.caption : undefined
        if (caption !== undefined && caption.length > 1024) return fail(reply, 400, 'Bad Request: message caption is too long')
        if (caption === stored.caption && JSON.stringify(markup) === JSON.stringify(stored.replyMarkup)) return fail(reply, 400, 'Bad Request: message is not modified')
        Object.assign(stored, { caption, entities: params.caption_entities, replyMarkup: markup, edits: stored.edits + 1 })
      }
      return ok({ message_id: Number(params.message_id), chat: { id: chatId, type: chatId > 0 ? 'private' : 'group' }, date: Math.floor(stored.sentAt / 1000), edit_date: Math.floor(Date.now() / 1000), ...(stored.text !== undefined ? { text: stored.text } : { caption: stored.caption }) })
    }
    if (!Number.isFinite(chatId)) return fail(reply, 400, 'Bad Request: chat not found')
    if (blocked.has(chatId)) return fail(reply, 403, 'Forbidden: bot was blocked by the user')
    const message: Record<string, unknown> = {
      message_id: messageId(chatId),
      from: { id: bot.id, is_bot: true, first_name: 'Openline Test', username: bot.username },
      chat: { id: chatId, type: chatId > 0 ? 'private' : 'group' },
      date: Math.floor(Date.now() / 1000)
    }
    const fileOf = (field: string): { ok: true, id: string, size: number } | { ok: false } => {
      if (uploads[field] !== undefined) {
        const id = `uploaded-${calls.length}`
        files.set(id, { fileId: id, uniqueId: `u${calls.length}`, bytes: uploads[field].bytes, filePath: `${field}s/file_${calls.length}` })
        return { ok: true, id, size: uploads[field].bytes.length }
      }
      const known = files.get(String(params[field]))
      return known === undefined ? { ok: false } : { ok: true, id: known.fileId, size: known.bytes.length }
    }
    if (method === 'sendMessage') {
      if (typeof params.text !== 'string' || params.text.trim() === '') return fail(reply, 400, 'Bad Request: message text is empty')
      if (params.text.length > 4096) return fail(reply, 400, 'Bad Request: message is too long')
      message.text = params.text
      if (params.entities !== undefined) message.entities = params.entities
    } else {
      const field = method === 'sendPhoto' ? 'photo' : method === 'sendSticker' ? 'sticker' : 'document'
      const file = fileOf(field)
      if (!file.ok) return fail(reply, 400, 'Bad Request: wrong file identifier/HTTP URL specified')
      if (typeof params.caption === 'string' && params.caption.length > 1024) return fail(reply, 400, 'Bad Request: message caption is too long')
      if (field === 'photo') message.photo = [{ file_id: file.id, file_unique_id: `${file.id}-u`, width: 90, height: 90, file_size: file.size }]
      else if (field === 'sticker') message.sticker = { file_id: file.id, file_unique_id: `${file.id}-u`, type: 'regular', width: 512, height: 512, is_animated: false, is_video: false }
      else message.document = { file_id: file.id, file_unique_id: `${file.id}-u`, file_size: file.size }
      if (params.caption !== undefined) message.caption = params.caption
    }
    if (params.reply_markup !== undefined) message.reply_markup = params.reply_markup
    messages.set(`${chatId}:${String(message.message_id)}`, {
      text: message.text as string | undefined,
      caption: message.caption as string | undefined,
      entities: method === 'sendMessage' ? params.entities : params.caption_entities,
      replyMarkup: params.reply_markup,
      media: method !== 'sendMessage',
      sentAt: Date.now(),
      edits: 0
    })
    sent.push(call)
    return ok(message)
  })

  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    bot,
    webhook: () => webhook,
    calls: (method) => calls.filter(c => method === undefined || c.method === method),
    sent: () => [...sent],
    paths: () => [...paths],
    addFile (file) {
      const entry: FakeFile = { fileId: file.fileId, uniqueId: `${file.fileId}-unique`, bytes: file.bytes, filePath: file.filePath ?? `documents/file_${files.size}.bin`, redirectTo: file.redirectTo }
      files.set(file.fileId, entry)
      return entry
    },
    failNext: (count, status, retryAfterSec) => { failures = [...failures, ...Array.from({ length: count }, () => ({ status, retryAfterSec }))] },
    block: (chatId) => { blocked.add(chatId) },
    message: (chatId, id) => { const m = messages.get(`${chatId}:${id}`); return m === undefined ? undefined : { ...m } },
    age (chatId, id, hours) {
      const m = messages.get(`${chatId}:${id}`)
      if (m !== undefined) m.sentAt -= hours * 3_600_000
    },
    close: () => app.close()
  }
}

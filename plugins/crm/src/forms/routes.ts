// GET/POST /plugins/crm/forms/<token>: the form page and its post. An unknown or altered link is
// 404, an expired one 410, a filled-in one says so; refused answers show the form again with
// each field's error (400).
import type { FastifyInstance, FastifyReply } from 'fastify'
import { OpenlineError, errorCodes } from '@openline/sdk'
import { formPage, messagePage, pageHeaders, stylesheet } from './page.ts'
import { sendOfToken, type FormsRuntime } from './sends.ts'
import { expiredCode, submitByToken } from './submit.ts'

const bodyLimit = 64 * 1024

function page (reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(pageHeaders).send(html)
}

const unknownLink = (reply: FastifyReply): FastifyReply => page(reply, 404, messagePage('Form not found', 'This link is not valid. Ask for a new one in the chat.'))
const expiredLink = (reply: FastifyReply): FastifyReply => page(reply, 410, messagePage('Link expired', 'This form link has expired. Ask for a new one in the chat.'))
const submitted = (reply: FastifyReply, status: number): FastifyReply => page(reply, status, messagePage('Thank you', 'Your answers were received.'))

/** A urlencoded body as field → first value (a repeated field counts once). */
function fieldsOf (body: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (typeof body !== 'string') return out
  for (const [key, value] of new URLSearchParams(body)) if (!Object.hasOwn(out, key)) out[key] = value
  return out
}

export function formRoutes (runtime: FormsRuntime): (app: FastifyInstance) => void {
  return (app) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body))

    app.get('/forms.css', async (_request, reply) => reply.headers({ 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' }).send(stylesheet))

    app.get('/forms/:token', async (request, reply) => {
      const found = await sendOfToken(runtime, (request.params as { token: string }).token)
      if (found.status === 'notFound') return unknownLink(reply)
      if (found.status === 'expired') return expiredLink(reply)
      if (found.send.submittedAt !== null) return submitted(reply, 200)
      return page(reply, 200, formPage(found.send))
    })

    app.post('/forms/:token', { bodyLimit }, async (request, reply) => {
      const verdict = await runtime.ctx().rateLimit(`crm-form:${request.ip}`, { max: 30, windowSec: 60 })
      if (!verdict.allowed) return page(reply.header('retry-after', String(verdict.retryAfterSec)), 429, messagePage('Too many attempts', 'Please wait a minute and try again.'))
      const token = (request.params as { token: string }).token
      const values = fieldsOf(request.body)
      try {
        await submitByToken(runtime, token, values)
        return submitted(reply, 200)
      } catch (err) {
        if (!(err instanceof OpenlineError)) throw err
        if (err.code === errorCodes.notFound) return unknownLink(reply)
        if (err.code === expiredCode) return expiredLink(reply)
        if (err.code === errorCodes.conflict) return submitted(reply, 409)
        if (err.code !== errorCodes.validation) {
          request.log.warn({ err: err.message, code: err.code }, 'crm: form answers not stored')
          return page(reply, err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500, messagePage('Not saved', 'Your answers could not be saved. Please try again later.'))
        }
        const found = await sendOfToken(runtime, token)
        if (found.status !== 'ok') return unknownLink(reply)
        return page(reply, 400, formPage(found.send, values, err.fields ?? []))
      }
    })
  }
}

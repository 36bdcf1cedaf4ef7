// The visitor API (`/visitor/graphql`) side of CRM forms: the widget may render a form natively
// from its link's token and submit the answers, with the same checks as the HTML page.
import { OpenlineError, errorCodes, type GraphQLExtension, type VisitorContext } from '@openline/sdk'
import { visitorTypeDefs } from './schema.ts'
import { sendOfToken, type FormsRuntime } from '../forms/sends.ts'
import { expired, submitByToken } from '../forms/submit.ts'
import { invalid } from '../db.ts'

const maxToken = 200

export function visitorGraphql (runtime: FormsRuntime): GraphQLExtension {
  return {
    typeDefs: visitorTypeDefs,
    resolvers: {
      Query: {
        crmForm: async (_: unknown, args: { token: string }) => {
          if (args.token.length > maxToken) return null
          const found = await sendOfToken(runtime, args.token)
          if (found.status === 'notFound') return null
          if (found.status === 'expired') throw expired()
          const { send } = found
          return { title: send.title, fields: send.fields.map(f => ({ ...f, required: f.required === true })), submitted: send.submittedAt !== null, expiresAt: send.expiresAt }
        }
      },
      Mutation: {
        submitCrmForm: async (_: unknown, args: { token: string, answers: unknown }, context: VisitorContext) => {
          if (args.token.length > maxToken) throw new OpenlineError(errorCodes.notFound, 'Unknown form link', { statusCode: 404 })
          const verdict = await runtime.ctx().rateLimit(`crm-form:${context.visitor.ip ?? 'unknown'}`, { max: 30, windowSec: 60 })
          if (!verdict.allowed) throw new OpenlineError(errorCodes.rateLimited, `Too many attempts; try again in ${verdict.retryAfterSec} s`, { statusCode: 429 })
          if (typeof args.answers !== 'object' || args.answers === null || Array.isArray(args.answers)) throw invalid([{ path: '/answers', message: 'an object of answers by field name' }])
          await submitByToken(runtime, args.token, args.answers as Record<string, unknown>)
          return true
        }
      }
    }
  }
}

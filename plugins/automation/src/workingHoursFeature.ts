// Working hours in the API: the settings group (with its extra checks) and the status query.
import { OpenlineError, errorCodes } from '@openline/sdk'
import type { AutomationFeature, ResolverContext } from './feature.ts'
import { describeHours, isOpenAt, nextClosing, nextOpening, normalizeWorkingHours, workingHoursGroup, type WorkingHoursSettings } from './workingHours.ts'
import { isId } from './consent.ts'
import { readRows } from './read.ts'

export interface WorkingHoursStatus {
  enabled: boolean
  open: boolean
  nextOpening: Date | null
  nextClosing: Date | null
  timezone: string | null
  showWidget: boolean
  description: string
}

/** The status of a channel's working hours at `at`: what a widget or an automatic reply needs. */
export function workingHoursStatus (settings: WorkingHoursSettings, at: Date, language: string): WorkingHoursStatus {
  const open = isOpenAt(settings, at)
  return {
    enabled: settings.enabled,
    open,
    nextOpening: open ? null : nextOpening(settings, at),
    nextClosing: nextClosing(settings, at),
    timezone: settings.enabled ? settings.timezone : null,
    showWidget: !settings.enabled || !settings.widgetOnlyDuringHours || open,
    description: settings.enabled ? describeHours(settings, language) : ''
  }
}

const typeDefs = /* GraphQL */ `
  "An open channel's working hours at a given instant (C1–C3)."
  type WorkingHoursStatus {
    "False when working hours are off: the channel is always open."
    enabled: Boolean!
    open: Boolean!
    "When closed: the instant it opens next (null when off or not within ~400 days)."
    nextOpening: DateTime
    "The instant it closes next (null when off or open for ~400 days)."
    nextClosing: DateTime
    "IANA time zone of the hours; null when off."
    timezone: String
    "C3: whether the web widget should show itself now."
    showWidget: Boolean!
    "The week in a few words in the channel's language, e.g. Mon–Fri 09:00–18:00; empty when off."
    description: String!
  }

  extend type Query {
    "Working hours status of an open channel now, or at \`at\`."
    workingHoursStatus(openChannelId: ID!, at: DateTime): WorkingHoursStatus!
  }
`

export const workingHoursFeature: AutomationFeature = {
  name: 'workingHours',
  settingsGroups: [workingHoursGroup],
  agentGraphQL: (ctx) => ({
    typeDefs,
    resolvers: {
      Query: {
        workingHoursStatus: async (_root: unknown, args: { openChannelId: string, at?: Date | null }, context: ResolverContext) => {
          context.requireUser()
          const notFound = new OpenlineError(errorCodes.notFound, `Open channel ${args.openChannelId} not found`, { statusCode: 404 })
          if (!isId(args.openChannelId)) throw notFound
          const rows = await readRows<{ settings: Record<string, unknown> | null, language: string }>(ctx,
            'select settings, language from open_channels where id = ?', [args.openChannelId])
          if (rows[0] === undefined) throw notFound
          const settings = normalizeWorkingHours(rows[0].settings?.workingHours)
          return workingHoursStatus(settings, args.at ?? new Date(), rows[0].language)
        }
      }
    }
  })
}

// @openline/plugin-crm: the built-in CRM (contacts, leads, deals, activities, responsible people)
// behind the SDK's CrmAdapter, so an external CRM can take its place per open channel, and CRM forms
// sent in chat (ROADMAP I1–I6, B7, E2).
import { definePlugin, type PluginContext } from '@openline/sdk'
import { migrations } from './migrations.ts'
import { crmOptions, type CrmOptions } from './options.ts'
import { crmSettingsGroup } from './settings.ts'
import { builtinAdapter } from './adapter.ts'
import { identifyHook } from './identify.ts'
import { beforeAssignHook } from './routing.ts'
import { lifecycleSubscribers } from './lifecycle.ts'
import { mergeSubscribers } from './merge.ts'
import { formStrategy } from './forms/strategy.ts'
import { autoSendSubscribers } from './forms/auto.ts'
import { formRoutes } from './forms/routes.ts'
import { checkAnswers } from './forms/answers.ts'
import { listForms, readForm } from './forms/definitions.ts'
import { loadSecret } from './forms/token.ts'
import { storeAnswers } from './forms/submit.ts'
import type { FormsRuntime } from './forms/sends.ts'
import { agentGraphql } from './graphql/agent.ts'
import { visitorGraphql } from './graphql/visitor.ts'
import { notFound } from './db.ts'

export { crmOptions, type CrmOptions } from './options.ts'
export { crmSettingsSchema, builtinAdapterId, type CrmSettings } from './settings.ts'
export { formSettingsSchema, formStrategyId, type FormSettings } from './forms/strategy.ts'
export { signToken } from './forms/token.ts'
export { normalizePhone, normalizeEmail, contactsInText } from './normalize.ts'
export { migrations }

/**
 * The plugin keeps one context (set in `setup`): hooks, strategies and the settings group's check
 * are plain objects made before it exists and reach it through `context()`.
 */
export function createCrmPlugin () {
  let current: PluginContext<CrmOptions> | null = null
  let secret: string | null = null
  const context = (): PluginContext<CrmOptions> => {
    if (current === null) throw new Error('crm: the plugin is not set up yet')
    return current
  }
  const runtime: FormsRuntime = {
    ctx: context,
    secret: () => {
      if (secret === null) throw new Error('crm: the form link key is not loaded yet')
      return secret
    },
    ttlHours: () => context().options.formLinkTtlHours,
    fieldsCache: new Map()
  }

  return definePlugin({
    name: 'crm',
    version: '0.1.0',
    core: '^0.1.0',
    options: crmOptions,
    migrations,
    provides: {
      crmAdapters: [builtinAdapter(context)],
      crmForms: [formStrategy({
        cachedFields: (formId) => runtime.fieldsCache.get(formId) ?? [],
        submit: async ({ conversationId, answers, settings, tx }) => {
          const ctx = context()
          const form = settings.formId === null ? null : await readForm(ctx, settings.formId, tx)
          if (form === null) throw notFound('CRM form')
          await storeAnswers(ctx, tx, { conversationId, title: form.title, fields: form.fields, answers: checkAnswers(form.fields, answers), settings, sendId: null })
        }
      })],
      settingsGroups: [crmSettingsGroup(id => current === null || current.registry.crmAdapter(id) !== undefined)]
    },
    hooks: {
      'client.identify': identifyHook(context),
      'conversation.beforeAssign': beforeAssignHook(context)
    },
    on: [...lifecycleSubscribers, ...mergeSubscribers, ...autoSendSubscribers(runtime)],
    graphql: {
      agent: (ctx) => { current ??= ctx; return agentGraphql(ctx, runtime) },
      visitor: () => visitorGraphql(runtime)
    },
    routes: (app) => formRoutes(runtime)(app),
    async setup (ctx) {
      current = ctx
      secret = await loadSecret(ctx, ctx.options.formSecret)
      for (const form of await listForms(ctx, true)) runtime.fieldsCache.set(form.id, form.fields)
    }
  })
}

export const crmPlugin = createCrmPlugin()
export default crmPlugin

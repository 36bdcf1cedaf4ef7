import type { PluginMigration } from '@openline/sdk'
import { consentMigrations } from './consent.ts'

/**
 * The plugin's migrations, run once each in this order (names must never change once released).
 * Tables are prefixed `automation_`. New features append theirs at the end.
 */
export const migrations: PluginMigration[] = [
  ...consentMigrations
]

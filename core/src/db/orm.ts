import { MikroORM } from '@mikro-orm/postgresql'
import { Migrator } from '@mikro-orm/migrations'
import { Migration } from '@mikro-orm/migrations'
import type { MigrationObject } from '@mikro-orm/core'
import type { PluginMigration } from '@openline/sdk'
import { coreEntities } from '../entities/index.ts'
import { coreMigrations } from '../../migrations/index.ts'

export interface OrmOptions {
  databaseUrl: string
  pluginEntities?: unknown[]
  pluginMigrations?: { plugin: string, migrations: PluginMigration[] }[]
  poolMax?: number
  debug?: boolean
}

/** Plugin migrations are plain SQL; each becomes a MikroORM migration named `<plugin>/<name>`. */
function pluginMigrationObjects (list: OrmOptions['pluginMigrations']): MigrationObject[] {
  const out: MigrationObject[] = []
  for (const { plugin, migrations } of list ?? []) {
    for (const m of migrations) {
      const up = m.up
      const down = m.down ?? []
      out.push({
        name: `${plugin}/${m.name}`,
        class: class extends Migration {
          override async up (): Promise<void> { for (const sql of up) this.addSql(sql) }
          override async down (): Promise<void> { for (const sql of down) this.addSql(sql) }
        }
      })
    }
  }
  return out
}

export function migrationList (options: Pick<OrmOptions, 'pluginMigrations'>): MigrationObject[] {
  return [...coreMigrations, ...pluginMigrationObjects(options.pluginMigrations)]
}

export async function openOrm (options: OrmOptions): Promise<MikroORM> {
  return MikroORM.init({
    clientUrl: options.databaseUrl,
    entities: [...coreEntities, ...(options.pluginEntities ?? [])] as any[],
    extensions: [Migrator],
    pool: { min: 0, max: options.poolMax ?? 20 },
    debug: options.debug ?? false,
    allowGlobalContext: false,
    migrations: {
      tableName: 'schema_migrations',
      migrationsList: migrationList(options),
      snapshot: false,
      snapshotOnMigrate: false,
      transactional: true,
      allOrNothing: true,
      silent: true
    }
  })
}

/** Apply every pending core and plugin migration. */
export async function migrate (orm: MikroORM): Promise<string[]> {
  const done = await orm.migrator.up()
  return done.map(m => m.name)
}

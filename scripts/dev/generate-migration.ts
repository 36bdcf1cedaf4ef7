import { MikroORM } from '@mikro-orm/postgresql'
import { Migrator } from '@mikro-orm/migrations'
import { coreEntities } from '/work/main/core/src/entities/index.ts'
import pg from 'pg'
const c = new pg.Client('postgres://postgres@127.0.0.1:5432/postgres'); await c.connect()
await c.query('drop database if exists openline_gen'); await c.query('create database openline_gen'); await c.end()
const orm = await MikroORM.init({ clientUrl: 'postgres://postgres@127.0.0.1:5432/openline_gen', entities: coreEntities as any, extensions: [Migrator],
  migrations: { path: '/work/main/core/migrations', emit: "ts", snapshot: false, glob: "0*.ts", fileName: () => '0001_initial' } })
const r = await orm.migrator.create(undefined, false, false)
console.log(r.fileName)
await orm.close()

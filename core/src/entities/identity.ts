import { defineEntity, p } from '@mikro-orm/core'

// Core tables. Ids are bigint identities read as strings; timestamps are timestamptz.

export const Role = defineEntity({
  name: 'Role',
  tableName: 'roles',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    name: p.string().unique(),
    builtin: p.boolean().default(false),
    permissions: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().onCreate(() => new Date()).defaultRaw('now()')
  }
})

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    email: p.string().unique(),
    name: p.string(),
    passwordHash: p.string().hidden(),
    role: () => p.manyToOne(Role).deleteRule('restrict'),
    active: p.boolean().default(true),
    /** Bumped on password change: tokens carrying an older version stop working. */
    tokenVersion: p.integer().default(0),
    avatarUrl: p.string().nullable(),
    lastAssignedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).defaultRaw('now()'),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).defaultRaw('now()')
  }
})

export const Department = defineEntity({
  name: 'Department',
  tableName: 'departments',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    name: p.string().unique(),
    parent: () => p.manyToOne(Department).nullable().deleteRule('set null'),
    members: () => p.manyToMany(User).pivotTable('department_members').joinColumn('department_id').inverseJoinColumn('user_id'),
    createdAt: p.datetime().onCreate(() => new Date()).defaultRaw('now()')
  }
})

import { randomUUID } from 'node:crypto'
import { mkdir, writeFile, readFile, rm } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { OpenlineError, errorCodes } from '@openline/sdk'

/** Where attachment bytes live. Local disk now; the interface leaves room for object storage. */
export interface FileStorage {
  put: (data: Buffer) => Promise<string>
  get: (key: string) => Promise<Buffer>
  remove: (key: string) => Promise<void>
}

const keyPattern = /^\d{4}\/\d{2}\/[0-9a-f-]{36}$/

export function localDiskStorage (directory: string): FileStorage {
  const root = resolve(directory)
  const pathOf = (key: string): string => {
    // Keys are ours, but they come back from the database and URLs: never let one escape the root.
    if (!keyPattern.test(key)) throw new OpenlineError(errorCodes.notFound, 'No such file', { statusCode: 404 })
    const path = resolve(root, key)
    if (!path.startsWith(root + sep)) throw new OpenlineError(errorCodes.notFound, 'No such file', { statusCode: 404 })
    return path
  }
  return {
    async put (data) {
      const now = new Date()
      const key = `${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}/${randomUUID()}`
      const path = pathOf(key)
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, data, { flag: 'wx', mode: 0o600 })
      return key
    },
    get: async (key) => readFile(pathOf(key)),
    remove: async (key) => rm(pathOf(key), { force: true })
  }
}

export const storageRoot = (directory: string): string => join(resolve(directory))

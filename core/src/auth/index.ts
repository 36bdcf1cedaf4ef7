// Users, roles, departments, passwords and session tokens (ROADMAP J1, J2).
export { hashPassword, verifyPassword, validatePassword, passwordMinLength, passwordMaxLength } from './passwords.ts'
export { issueToken, authenticate } from './tokens.ts'
export {
  type Permission, type Permissions, type HistoryScope, type BuiltinRoleName,
  builtinRoles, permissionNames, historyScopes, permissionsSchema, normalizePermissions, storedPermissions, historyCondition, can
} from './permissions.ts'
export { type RoleRecord, type RoleInput, ensureBuiltinRoles, listRoles, getRole, createRole, updateRole, deleteRole } from './roles.ts'
export {
  type UserRecord, type CreateUserInput, type UpdateUserInput,
  createUser, updateUser, deactivateUser, changePassword, setPassword, logoutEverywhere, checkCredentials,
  getUser, getUsers, listUsers, normalizeEmail
} from './users.ts'
export {
  type DepartmentRecord,
  listDepartments, getDepartment, createDepartment, updateDepartment, deleteDepartment, addDepartmentMember, removeDepartmentMember
} from './departments.ts'
export { authGraphql } from './graphql.ts'

export * from "./records.ts";
export * from "./schemas.ts";
export * from "./identity.ts";
export {
  list,
  get,
  create,
  update,
  recordAgreement,
  recordBackgroundCheck,
  revokeSessions,
  manages,
} from "./manage.ts";
export {
  clientDataRoles,
  isClientDataRole,
  NEW_ACCOUNT_DAYS,
  changeViewOf,
  type StaffChange,
  type ChangePayload,
} from "./changes.ts";
export * as Changes from "./decisions.ts";
export { startOffboarding, closeChecklistItem, offboardingState } from "./offboarding.ts";
export { sealContact, openContact, type Contact } from "./contact.ts";

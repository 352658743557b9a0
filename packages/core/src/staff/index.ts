export * from "./records.ts";
export * from "./schemas.ts";
export * from "./identity.ts";
export { list, get, create, update, recordAgreement, recordBackgroundCheck, revokeSessions, manages } from "./manage.ts";
export { startOffboarding, closeChecklistItem, offboardingState } from "./offboarding.ts";
export { sealContact, openContact, type Contact } from "./contact.ts";

export * from "./envelope.ts";
export * from "./keyring.ts";
export * from "./kms.ts";

export * from "./signer.ts";
export * from "./tokens.ts";
export * from "./passwords.ts";
export * from "./totp.ts";
export * from "./port.ts";
export { IdentityKeys, getCredential, openSecrets } from "./credentials.ts";
export * from "./keyhold.ts";
export * from "./oidc.ts";
export * from "./federation.ts";

import type { paths } from "./schema";

/**
 * The shapes the console reads, each an alias into the contract generated from core's route table
 * (`npm run contract` → schema.d.ts). Nothing here restates the API: a drifted screen fails the
 * typecheck instead of reading a field the API no longer sends. Values (enums, bounds, labels) come
 * from core's contract export or GET /catalog, not from these types.
 */

type Method = "get" | "post" | "put" | "patch" | "delete";
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

/** The JSON answer of an operation with status `S` (its success status, 200 unless given). */
export type Answer<P extends keyof paths, M extends Method, S extends number = 200> =
  Operation<P, M> extends { responses: { [K in S]: { content: { "application/json": infer B } } } } ? B : never;

/** The JSON request body of an operation. */
export type Body<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;

/** The query parameters of an operation. */
export type QueryOf<P extends keyof paths, M extends Method> = NonNullable<
  Operation<P, M> extends { parameters: { query?: infer Q } } ? Q : never
>;

type Item<T> = T extends { items: readonly (infer I)[] } ? I : never;
/** The member of a union answer that carries `K`. */
type WithKey<T, K extends string> = Extract<T, Record<K, unknown>>;

export type Catalog = Answer<"/catalog", "get">;
export type CatalogField = Catalog["fields"][number];
/** A purpose as the catalog names and labels it: one the client consents to, or a break-glass one. */
export type Named = Catalog["consentPurposes"][number] | Catalog["breakGlass"]["purposes"][number];
export type Label = CatalogField["label"];
export type Tier = CatalogField["tier"];

/** Offline only: the demo directory. */
export type DemoDirectory = Answer<"/local/users", "get">;

export type ClientView = Answer<"/clients/{id}", "get">;
export type FieldView = ClientView["fields"][string];
export type ClientPage = Answer<"/clients", "get">;
export type LookupResult = Answer<"/clients/lookup", "post">;
export type Revealed = Answer<"/clients/{id}/reveal", "post">;
export type AccessHistoryItem = Item<Answer<"/clients/{id}/access-history", "get">>;
export type CallCreated = Answer<"/clients/{id}/calls", "post", 201>;
export type ConsentAnswer = Answer<"/clients/{id}/consent", "get">;
/** A purpose the client may consent to (and a call, a share or a sealed text may be for). */
export type ConsentPurpose = Body<"/clients/{id}/consent/purposes", "post">["purposes"][number];
/** A purpose a field may be revealed for: the consent purposes and those the law allows without consent. */
export type AccessPurpose = Body<"/clients/{id}/reveal", "post">["purpose"];
export type ConsentMethod = Body<"/clients/{id}/consent/withdraw", "post">["method"];

export type TrailEvent = Item<Answer<"/audit", "get">>;
export type TrailActor = TrailEvent["actor"];
export type TrailSource = NonNullable<TrailEvent["source"]>;
export type VerifyResult = Answer<"/audit/verify", "get">;
export type SealResult = Answer<"/audit/seal", "post">;

export type Settings = Answer<"/settings", "get">;
export type SettingsPatch = Body<"/settings", "patch">;
export type FeedSettings = NonNullable<Settings["feed"]>;
export type PolicyOverrides = Settings["accessPolicy"];
type Cells<T> = NonNullable<T[keyof T]>;
export type PolicyMode = Cells<Cells<Cells<PolicyOverrides>>>;
export type KeyJobView = Answer<"/jobs/{id}", "get">;

export type DocumentView = Item<Answer<"/clients/{id}/documents", "get">>;
export type ShareView = Item<Answer<"/documents/{id}/shares", "get">>;
export type ShareCreated = Answer<"/documents/{id}/shares", "post", 201>;

export type StaffView = Answer<"/staff/{id}", "get">;
export type StaffChangeView = Item<Answer<"/staff-changes", "get">>;
export type StaffChangePayload = StaffChangeView["change"];
export type OffboardingState = Answer<"/staff/{id}/offboarding", "get">;

export type SubjectRequestView = Answer<"/requests/{id}", "get">;
export type RequestType = SubjectRequestView["type"];
export type RequestChannel = Body<"/clients/{id}/requests", "post">["channel"];
export type CopyIssued = NonNullable<SubjectRequestView["copy"]>;
/** `POST /requests/{id}/copy` with delivery "share": the link addressed to the data subject, shown once. */
export type CopyLink = WithKey<Answer<"/requests/{id}/copy", "post", 201>, "shareUrl">;
export type FulfilResult = Answer<"/requests/{id}/fulfil", "post">;

export type PaperFileView = Answer<"/paper-files", "post", 201>;
export type PaperRevealed = Answer<"/paper-files/{id}/reveal", "post">;

export type TenantSummary = Answer<"/platform/tenants/{id}", "get">;

export type AlertView = Item<Answer<"/alerts", "get">>;
export type AlertKind = AlertView["kind"];

export type AccessRequestView = Item<Answer<"/access-requests", "get">>;
export type AccessRequestStatus = AccessRequestView["status"];

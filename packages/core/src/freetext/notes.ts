import { actorId, type Ctx, type ActorCtx } from "../context.ts";
import { assertPass, type Pass } from "../access/pass.ts";
import { open, seal, type Binding } from "../crypto/envelope.ts";
import { newId } from "../ids.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import { deleteItem, getItem, putNew, queryPage } from "../store/table.ts";
import { FREE_TEXT_MASK, FREE_TEXT_TIER, notePath, type FreeTextSource } from "../catalog/catalog.ts";

/**
 * Sealed free text. A note is its own item beside its owner (`NOTE#<owner>#<ownerId>#<noteId>`), so a
 * reveal finds it by the client and the id it names, and a client's destruction finds all of them.
 * The record that the text belongs to (a request, a consent event, a trail event, a certificate)
 * keeps only the path `notes/<id>`.
 *
 * The ciphertext is bound like a client's tier-2 fields: the encryption context names the tenant and
 * the tier, the sealed body names the record (`client:<id>/notes/<noteId>`), and `open` refuses a
 * ciphertext found anywhere else.
 */
export type NoteOwner = { kind: "client" | "staff" | "tenant"; id: string };

export interface NoteRecord {
  noteId: string;
  owner: NoteOwner;
  source: FreeTextSource;
  by: string;
  at: string;
  sealed: Uint8Array;
}

export const freeTextBinding = (tenantId: string, recordId: string): Binding => ({
  tenantId,
  recordId,
  context: { tier: String(FREE_TEXT_TIER), kind: "free-text" },
});

const noteBinding = (ctx: ActorCtx, owner: NoteOwner, noteId: string) =>
  freeTextBinding(ctx.tenantId, `${owner.kind}:${owner.id}/notes/${noteId}`);

/** Seals the text as a note of its owner and answers its path, `notes/<id>`. */
export async function sealNote(ctx: ActorCtx, owner: NoteOwner, source: FreeTextSource, text: string): Promise<string> {
  const now = ctx.adapters.now();
  const noteId = newId("nt", now);
  const note: NoteRecord = {
    noteId,
    owner,
    source,
    by: actorId(ctx.actor),
    at: now.toISOString(),
    sealed: await seal(ctx.adapters.keyrings, noteBinding(ctx, owner, noteId), text),
  };
  if (
    !(await putNew(ctx.adapters, { ...Keys.note(ctx.tenantId, owner.kind, owner.id, noteId), type: "note", ...note }))
  ) {
    throw new Error(`note id collision ${noteId}`);
  }
  return notePath(noteId);
}

/** Seals the text when there is any; the path to keep in its place. */
export const sealOptional = async (ctx: Ctx, owner: NoteOwner, source: FreeTextSource, text: string | undefined) =>
  text ? sealNote(ctx, owner, source, text) : undefined;

export async function getNote(ctx: Ctx, owner: NoteOwner, noteId: string): Promise<NoteRecord | undefined> {
  const item = await getItem<NoteRecord & { type: string }>(
    ctx.adapters,
    Keys.note(ctx.tenantId, owner.kind, owner.id, noteId),
  );
  if (!item || item.type !== "note" || item.owner?.kind !== owner.kind || item.owner.id !== owner.id) return undefined;
  return item;
}

/**
 * A client's note in clear. It demands the gate's pass for this very note (`notes/<id>`, tier 2): the
 * decision, the consent and the trail event come before, in `disclose` (see clients/reveal.ts).
 */
export async function openFreeText(ctx: Ctx, owner: NoteOwner, note: NoteRecord, pass: Pass): Promise<string> {
  assertPass(pass, owner.id, [FREE_TEXT_TIER], [notePath(note.noteId)]);
  return open<string>(ctx.adapters.keyrings, noteBinding(ctx, owner, note.noteId), note.sealed);
}

export async function notesOf(ctx: ActorCtx, owner: NoteOwner): Promise<NoteRecord[]> {
  const out: NoteRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: NoteRecord[]; nextCursor: string | null } = await queryPage<NoteRecord>(ctx.adapters, {
      partition: tenantPk(ctx.tenantId),
      sortPrefix: Keys.notesOf(owner.kind, owner.id),
      limit: 500,
      cursor,
    });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Destroys every note of the owner (a client's destruction); answers how many went. */
export async function destroyNotesOf(ctx: ActorCtx, owner: NoteOwner): Promise<number> {
  const notes = await notesOf(ctx, owner);
  for (const n of notes) await deleteItem(ctx.adapters, Keys.note(ctx.tenantId, owner.kind, owner.id, n.noteId));
  return notes.length;
}

/**
 * A stored record's sealed property as a view shows it: the mask, and where it is revealed. Records
 * written before free text was sealed may still hold the text itself; it is masked all the same.
 */
export function maskedText(stored: object, property: string): Record<string, string> {
  const record = stored as Record<string, unknown>;
  const ref = record[`${property}Ref`];
  if (typeof ref === "string") return { [property]: FREE_TEXT_MASK, [`${property}Ref`]: ref };
  if (typeof record[property] === "string" && record[property] !== "") return { [property]: FREE_TEXT_MASK };
  return {};
}

/**
 * A break-glass justification as the trail keeps it: the mask, and the note that holds the words
 * (a note of the client concerned; of the tenant when no client is named).
 */
export async function sealJustification(ctx: ActorCtx, clientId: string | null, justification: string) {
  const owner: NoteOwner = clientId ? { kind: "client", id: clientId } : { kind: "tenant", id: ctx.tenantId };
  const justificationRef = await sealNote(ctx, owner, "access.justification", justification.trim());
  return { justification: FREE_TEXT_MASK, justificationRef };
}

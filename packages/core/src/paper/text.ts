import type { Ctx } from "../context.ts";
import { open, seal } from "../crypto/envelope.ts";
import { freeTextBinding } from "../freetext/notes.ts";
import { assertPass, type Pass } from "../access/pass.ts";
import { FREE_TEXT_MASK, FREE_TEXT_TIER } from "../catalog/catalog.ts";

/**
 * A paper file's description and location are free text ("购房合同原件", "朝阳店 2号保密柜"): each is
 * sealed on the paper file under the tenant key like a tier-2 field, bound to the file and the
 * property, masked in every view and opened only by the paper file's reveal (paper/reveal.ts).
 */
export const paperTexts = ["description", "location"] as const;
export type PaperText = (typeof paperTexts)[number];

export interface PaperSealed {
  /** The sealed words; `description` and `location` in clear only on files registered before. */
  sealed?: Partial<Record<PaperText, Uint8Array>>;
  description?: string;
  location?: string;
}

const binding = (ctx: Ctx, paperFileId: string, which: PaperText) =>
  freeTextBinding(ctx.tenantId, `paper:${paperFileId}/${which}`);

export const sealPaperText = async (ctx: Ctx, paperFileId: string, which: PaperText, text: string) =>
  seal(ctx.adapters.keyrings, binding(ctx, paperFileId, which), text);

/** What the gate lets out when a paper file's words are revealed. */
export const paperItem = (paperFileId: string) => `paper/${paperFileId}`;

/** The words in clear; demands the gate's pass for this file (decision and trail event first). */
export async function openPaperText(
  ctx: Ctx,
  file: PaperSealed & { id: string; clientId: string },
  which: PaperText,
  pass: Pass,
): Promise<string | null> {
  assertPass(pass, file.clientId, [FREE_TEXT_TIER], [paperItem(file.id)]);
  const ciphertext = file.sealed?.[which];
  if (ciphertext) return open<string>(ctx.adapters.keyrings, binding(ctx, file.id, which), ciphertext);
  return file[which] ?? null;
}

/** Both properties as views show them. */
export const maskedPaper = (file: PaperSealed) => ({
  description: file.sealed?.description || file.description ? FREE_TEXT_MASK : "",
  location: file.sealed?.location || file.location ? FREE_TEXT_MASK : "",
});

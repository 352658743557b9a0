import {
  AlgorithmSuiteIdentifier,
  CommitmentPolicy,
  KeyringNode,
  NodeCachingMaterialsManager,
  NodeDecryptionMaterial,
  NodeEncryptionMaterial,
  buildClient,
  getLocalCryptographicMaterialsCache,
  type EncryptedDataKey,
} from "@aws-crypto/client-node";
import type { KeyringPort } from "./keyring.ts";

const { encrypt, decrypt, encryptStream, decryptStream } = buildClient(
  CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
);

/** Committing, non-signing: key commitment without the cost of an ECDSA signature per message. */
export const SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;

/**
 * Cache bounds. A cached data key is reused for at most this many messages and this long; the
 * cache itself matches the encryption context exactly, which is why the context holds only the
 * tenant and the tier (never a record id or personal data: it is logged in clear by KMS).
 */
export const CACHE_MAX_AGE_MS = 5 * 60 * 1000;
export const CACHE_MAX_MESSAGES = 1000;
const cache = getLocalCryptographicMaterialsCache(2000);

export class IntegrityError extends Error {}

/** How often the underlying keyrings were asked to wrap or unwrap a data key (the cache's effect). */
export const keyringCalls = { encrypt: 0, decrypt: 0 };
/** How many messages were encrypted and decrypted: without the cache, each would be a keyring call. */
export const messageCalls = { encrypt: 0, decrypt: 0 };

class CountingKeyring extends KeyringNode {
  constructor(private readonly inner: KeyringNode) {
    super();
  }
  async _onEncrypt(material: NodeEncryptionMaterial) {
    keyringCalls.encrypt++;
    return this.inner.onEncrypt(material);
  }
  async _onDecrypt(material: NodeDecryptionMaterial, edks: EncryptedDataKey[]) {
    keyringCalls.decrypt++;
    return this.inner.onDecrypt(material, edks);
  }
}

const managers = new WeakMap<
  KeyringPort,
  Map<string, { generation: string; cmm: Promise<NodeCachingMaterialsManager> }>
>();

function materialsFor(port: KeyringPort, tenantId: string) {
  let byTenant = managers.get(port);
  if (!byTenant) managers.set(port, (byTenant = new Map()));
  const generation = port.generation?.(tenantId) ?? "";
  const held = byTenant.get(tenantId);
  if (held && held.generation === generation) return held.cmm;
  const cmm = port.keyringFor(tenantId).then(
    (keyring) =>
      new NodeCachingMaterialsManager({
        backingMaterials: new CountingKeyring(keyring),
        cache,
        // A new wrapping-key generation is a new partition: no cached data key wrapped under an
        // older version is handed out again.
        partition: `${port.name}:${tenantId}${generation ? `:${generation}` : ""}`,
        maxAge: CACHE_MAX_AGE_MS,
        maxMessagesEncrypted: CACHE_MAX_MESSAGES,
      }),
  );
  cmm.catch(() => {
    if (byTenant.get(tenantId)?.cmm === cmm) byTenant.delete(tenantId);
  });
  byTenant.set(tenantId, { generation, cmm });
  return cmm;
}

/** Forget a tenant's materials (its key was replaced or scheduled for deletion). */
export function forgetTenant(port: KeyringPort, tenantId: string) {
  managers.get(port)?.delete(tenantId);
}

export interface Binding {
  tenantId: string;
  /**
   * The rest of the encryption context, besides the tenant: `{tier: "1"}` for a tier's fields,
   * `{kind: "masks"}` and the like for other payloads. Cacheable, so never a record id or PII.
   */
  context: Record<string, string>;
  /** The record the plaintext belongs to; sealed inside the plaintext and checked on open. */
  recordId: string;
}

interface Sealed<T> {
  tenant: string;
  record: string;
  context: Record<string, string>;
  value: T;
}

const contextOf = (b: Binding) => ({ ...b.context, tenant: b.tenantId });
const sameContext = (a: Record<string, string>, b: Record<string, string>) => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
};

export async function seal<T>(
  port: KeyringPort,
  binding: Binding,
  value: T,
  frameLength?: number,
): Promise<Uint8Array> {
  messageCalls.encrypt++;
  const cmm = await materialsFor(port, binding.tenantId);
  const body: Sealed<T> = { tenant: binding.tenantId, record: binding.recordId, context: binding.context, value };
  const { result } = await encrypt(cmm, Buffer.from(JSON.stringify(body), "utf8"), {
    suiteId: SUITE,
    encryptionContext: contextOf(binding),
    ...(frameLength ? { frameLength } : {}),
  });
  return new Uint8Array(result);
}

/**
 * As `seal`, but under a data key made for this message alone: the tenant's keyring directly, past
 * the materials cache. Key rotation on suspected compromise re-seals with it, so no re-sealed
 * record shares a data key with anything sealed before (a cached key may have been among those exposed).
 */
export async function sealFresh<T>(port: KeyringPort, binding: Binding, value: T): Promise<Uint8Array> {
  messageCalls.encrypt++;
  keyringCalls.encrypt++;
  const keyring = await port.keyringFor(binding.tenantId);
  const body: Sealed<T> = { tenant: binding.tenantId, record: binding.recordId, context: binding.context, value };
  const { result } = await encrypt(keyring, Buffer.from(JSON.stringify(body), "utf8"), {
    suiteId: SUITE,
    encryptionContext: contextOf(binding),
  });
  return new Uint8Array(result);
}

/**
 * Decrypts and proves the ciphertext belongs where it was found: the header's encryption context
 * must name this tenant and kind (the JS SDK has no required-context manager, so this is checked
 * here), and the plaintext must name this tenant, context and record.
 */
export async function open<T>(port: KeyringPort, binding: Binding, ciphertext: Uint8Array): Promise<T> {
  messageCalls.decrypt++;
  const cmm = await materialsFor(port, binding.tenantId);
  let plaintext: Buffer;
  let context: Record<string, string>;
  try {
    const out = await decrypt(cmm, ciphertext);
    plaintext = out.plaintext;
    context = out.messageHeader.encryptionContext;
  } catch (e) {
    throw new IntegrityError(`ciphertext on ${binding.recordId} does not decrypt: ${(e as Error).message}`);
  }
  if (!sameContext(context, contextOf(binding))) {
    throw new IntegrityError(`ciphertext on ${binding.recordId} carries another tenant or kind in its context`);
  }
  let body: Sealed<T>;
  try {
    body = JSON.parse(plaintext.toString("utf8")) as Sealed<T>;
  } catch {
    throw new IntegrityError(`ciphertext for ${binding.recordId} holds no sealed record`);
  }
  if (
    body.tenant !== binding.tenantId ||
    body.record !== binding.recordId ||
    !sameContext(body.context ?? {}, binding.context)
  ) {
    throw new IntegrityError(`ciphertext sealed for another record was found on ${binding.recordId}`);
  }
  return body.value;
}

/**
 * Large binary payloads (scanned documents). JSON-wrapping megabytes would cost a base64 copy each
 * way, so the binding travels as a small header in front of the bytes, inside the ciphertext:
 *
 *   "KHB1" | u32 big-endian header length | header JSON {tenant, record, context} | bytes
 *
 * The encryption context stays cacheable (tenant + e.g. `{kind: "document", tier: "1"}`), the record
 * id is authenticated with the payload, and `openBytes` refuses a message found anywhere but where it
 * was sealed, exactly as `open` does. Frames are 1 MiB by default: each frame is one AES-GCM call.
 *
 * Both directions drive the SDK's own streams (`encryptStream` / `decryptStream`, the same code the
 * one-shot `encrypt` / `decrypt` wrap) so that no megabyte is copied more often than it must be:
 * sealing writes the header and the caller's bytes as two chunks (no prepend copy, no Readable.from
 * pipeline) and joins the output once; opening hands the SDK the message header as its own small
 * chunk (its header parser concatenates whatever it buffers, which would otherwise be the whole
 * message) and assembles the document once, straight from the decrypted chunks, past the binding.
 */
export const DOCUMENT_FRAME_LENGTH = 1024 * 1024;
const BYTES_MAGIC = Buffer.from("KHB1", "latin1");
/**
 * First write into the decrypt stream. The SDK's header parser copies everything it holds until the
 * header is complete; a message header with one data key is a few hundred bytes, so this chunk holds
 * it and the rest of the message then flows through uncopied. (A larger header only falls back to
 * the SDK's copy: correctness never depends on this split, every byte is still written in order.)
 */
const HEADER_CHUNK = 4096;

const asBuffer = (bytes: Uint8Array) =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Collects a stream's output; rejects on the first error. */
function drain(stream: NodeJS.ReadWriteStream): Promise<{ chunks: Buffer[]; length: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    stream
      .on("data", (chunk: Buffer) => {
        if (chunk.length === 0) return;
        chunks.push(chunk);
        length += chunk.length;
      })
      // `on`, not `once`: the SDK's pipeline may report one failure more than once, and an unheard
      // second "error" would be thrown as an uncaught exception.
      .on("error", reject)
      .once("end", () => resolve({ chunks, length }));
  });
}

/** Bytes [from, from + length) of the concatenation of `chunks`: a view when one chunk holds them all, else one copy. */
function slice(chunks: Buffer[], from: number, length: number): Buffer {
  let i = 0;
  while (i < chunks.length && from >= chunks[i]!.length) from -= chunks[i++]!.length;
  if (i < chunks.length && from + length <= chunks[i]!.length) return chunks[i]!.subarray(from, from + length);
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (; i < chunks.length && at < length; i++, from = 0)
    at += chunks[i]!.copy(out, at, from, Math.min(chunks[i]!.length, from + length - at));
  return out.subarray(0, at);
}

export async function sealBytes(
  port: KeyringPort,
  binding: Binding,
  bytes: Uint8Array,
  frameLength = DOCUMENT_FRAME_LENGTH,
): Promise<Uint8Array> {
  return sealBytesWith(await materialsFor(port, binding.tenantId), binding, bytes, frameLength);
}

/**
 * As `sealBytes`, under a data key made for this document alone (the tenant's keyring directly,
 * past the materials cache): a document re-sealed on suspected compromise shares its data key with
 * nothing sealed before.
 */
export async function sealBytesFresh(port: KeyringPort, binding: Binding, bytes: Uint8Array): Promise<Uint8Array> {
  keyringCalls.encrypt++;
  return sealBytesWith(await port.keyringFor(binding.tenantId), binding, bytes, DOCUMENT_FRAME_LENGTH);
}

async function sealBytesWith(
  cmm: KeyringNode | NodeCachingMaterialsManager,
  binding: Binding,
  bytes: Uint8Array,
  frameLength: number,
): Promise<Uint8Array> {
  messageCalls.encrypt++;
  const header = Buffer.from(
    JSON.stringify({ tenant: binding.tenantId, record: binding.recordId, context: binding.context }),
    "utf8",
  );
  const prefix = Buffer.alloc(8 + header.length);
  BYTES_MAGIC.copy(prefix, 0);
  prefix.writeUInt32BE(header.length, 4);
  header.copy(prefix, 8);
  const body = asBuffer(bytes);
  const stream = encryptStream(cmm, {
    suiteId: SUITE,
    encryptionContext: contextOf(binding),
    frameLength,
    plaintextLength: prefix.length + body.length,
  });
  const out = drain(stream);
  // Two writes, not a prepend: the megabytes are not copied just to put the header in front.
  stream.write(prefix);
  stream.end(body);
  const { chunks, length } = await out;
  return Buffer.concat(chunks, length);
}

export async function openBytes(port: KeyringPort, binding: Binding, ciphertext: Uint8Array): Promise<Uint8Array> {
  messageCalls.decrypt++;
  const cmm = await materialsFor(port, binding.tenantId);
  let plaintext: { chunks: Buffer[]; length: number };
  let context: Record<string, string> | undefined;
  try {
    const stream = decryptStream(cmm);
    stream.once(
      "MessageHeader",
      (header: { encryptionContext: Record<string, string> }) => (context = header.encryptionContext),
    );
    const out = drain(stream);
    // A Buffer view, not a copy; the header in a chunk of its own (see HEADER_CHUNK).
    const message = asBuffer(ciphertext);
    if (message.length > HEADER_CHUNK) stream.write(message.subarray(0, HEADER_CHUNK));
    stream.end(message.length > HEADER_CHUNK ? message.subarray(HEADER_CHUNK) : message);
    plaintext = await out;
    if (!context) throw new Error("Unknown format");
  } catch (e) {
    throw new IntegrityError(`ciphertext of ${binding.recordId} does not decrypt: ${(e as Error).message}`);
  }
  if (!sameContext(context, contextOf(binding))) {
    throw new IntegrityError(`ciphertext of ${binding.recordId} carries another tenant or kind in its context`);
  }
  const { chunks, length } = plaintext;
  if (length < 8 || !slice(chunks, 0, 4).equals(BYTES_MAGIC)) {
    throw new IntegrityError(`ciphertext of ${binding.recordId} holds no sealed document`);
  }
  const headerLength = slice(chunks, 4, 4).readUInt32BE(0);
  let header: { tenant?: string; record?: string; context?: Record<string, string> };
  try {
    header = JSON.parse(slice(chunks, 8, headerLength).toString("utf8"));
  } catch {
    throw new IntegrityError(`ciphertext of ${binding.recordId} holds no sealed document`);
  }
  if (
    header.tenant !== binding.tenantId ||
    header.record !== binding.recordId ||
    !sameContext(header.context ?? {}, binding.context)
  ) {
    throw new IntegrityError(`ciphertext sealed for another document was found on ${binding.recordId}`);
  }
  const start = Math.min(length, 8 + headerLength);
  return slice(chunks, start, length - start);
}

/** The first bytes of every message this module seals: format version 2, then `SUITE` (0x0478). */
const MESSAGE_MAGIC = [0x02, SUITE >> 8, SUITE & 0xff];
export const isSealedMessage = (bytes: Uint8Array) =>
  bytes.length > 40 && MESSAGE_MAGIC.every((b, i) => bytes[i] === b);

/**
 * The wrapped data keys a message carries, read from its header without opening it: provider id
 * and provider info (for a raw AES keyring, the key name followed by the 20 bytes of its IV
 * description). Which wrapping-key version a ciphertext needs can be told even once that version is gone.
 */
export function encryptedDataKeysOf(message: Uint8Array): { providerId: string; providerInfo: Buffer }[] {
  const m = asBuffer(message);
  if (!isSealedMessage(m)) throw new IntegrityError("not a sealed message");
  let at = 1 + 2 + 32;
  const aadLength = m.readUInt16BE(at);
  at += 2 + aadLength;
  const count = m.readUInt16BE(at);
  at += 2;
  const out: { providerId: string; providerInfo: Buffer }[] = [];
  const field = () => {
    const length = m.readUInt16BE(at);
    const value = m.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    return value;
  };
  for (let i = 0; i < count; i++) {
    const providerId = field().toString("utf8");
    const providerInfo = Buffer.from(field());
    field();
    out.push({ providerId, providerInfo });
  }
  return out;
}

/**
 * The same message under the keyring's current wrapping key: opened and sealed again with the same
 * encryption context, the same plaintext (binding inside and all) and a new data key, so `open` and
 * `openBytes` find it exactly as before. Offline wrapping-key rotation re-wraps with it what the
 * rotation job does not re-seal itself (packages/local/src/wrapping.ts).
 */
export async function rewrap(port: KeyringPort, tenantId: string, message: Uint8Array): Promise<Uint8Array> {
  const keyring = await port.keyringFor(tenantId);
  let out: { plaintext: Buffer; messageHeader: { encryptionContext: Record<string, string>; frameLength: number } };
  try {
    out = await decrypt(keyring, message);
  } catch (e) {
    throw new IntegrityError(`a message of tenant ${tenantId} does not decrypt: ${(e as Error).message}`);
  }
  if (out.messageHeader.encryptionContext.tenant !== tenantId)
    throw new IntegrityError(`a message in tenant ${tenantId}'s data names another tenant`);
  keyringCalls.encrypt++;
  const { result } = await encrypt(keyring, out.plaintext, {
    suiteId: SUITE,
    encryptionContext: out.messageHeader.encryptionContext,
    ...(out.messageHeader.frameLength ? { frameLength: out.messageHeader.frameLength } : {}),
  });
  return new Uint8Array(result);
}

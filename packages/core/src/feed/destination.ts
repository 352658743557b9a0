import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/**
 * Where a tenant's webhook may point in AWS. The URL is set by the tenant's HQ admin, and the function
 * that sends to it runs inside Keyhold's account: without this check an insider could aim the feed at
 * an address only Keyhold's network reaches (the VPC, a link-local metadata service, loopback) and read
 * its reachability from the dead letters' errors. Offline the vault runs on the operator's own machine
 * and a SIEM on localhost is normal, so only the AWS ring checks.
 *
 * The names are resolved here and every address must be public. Between this lookup and the request's
 * own there is a window in which a hostile DNS server could answer differently; the remaining exposure
 * is one blind POST of a trail line, which carries no personal data in clear.
 */
const notPublic = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, the instance metadata service
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4],
] as const)
  notPublic.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 127], // unspecified and loopback
  ["64:ff9b::", 96], // NAT64
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
] as const)
  notPublic.addSubnet(net, prefix, "ipv6");

const mappedV4 = (address: string) => /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];

/** Whether an IP address is one the public internet routes to. */
export function isPublicAddress(address: string): boolean {
  const v4 = mappedV4(address);
  if (v4) return isPublicAddress(v4);
  const family = isIP(address);
  if (family === 0) return false;
  return !notPublic.check(address, family === 4 ? "ipv4" : "ipv6");
}

export type ResolveHost = (host: string) => Promise<string[]>;
const resolveWithDns: ResolveHost = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * Why the AWS ring will not send to this URL, or null when it may: https only, and every address the
 * host resolves to public.
 */
export async function refusedWebhookDestination(
  url: string,
  resolve: ResolveHost = resolveWithDns,
): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "refused: the webhook URL does not parse";
  }
  if (parsed.protocol !== "https:") return "refused: in AWS the webhook must use https";
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch (e) {
    return `refused: the webhook's host does not resolve (${(e as NodeJS.ErrnoException).code ?? "error"})`;
  }
  if (addresses.length === 0) return "refused: the webhook's host does not resolve";
  const inside = addresses.find((a) => !isPublicAddress(a));
  return inside ? "refused: the webhook's host is not a public internet address" : null;
}

import { describe, expect, it } from "vitest";
import { isPublicAddress, refusedWebhookDestination } from "./destination.ts";

/** Where the AWS ring's feed may send a tenant's webhook (the resolver is given, so no DNS is needed). */
const resolvingTo =
  (...addresses: string[]) =>
  async () =>
    addresses;

describe("a webhook destination in AWS", () => {
  it("is taken when it is https and every address its host resolves to is public", async () => {
    expect(await refusedWebhookDestination("https://siem.example.com/in", resolvingTo("93.184.216.34"))).toBeNull();
    expect(
      await refusedWebhookDestination("https://siem.example.com/in", resolvingTo("2606:2800:220:1::248")),
    ).toBeNull();
    expect(await refusedWebhookDestination("https://8.8.8.8/in", resolvingTo())).toBeNull();
  });

  it.each([
    ["http://siem.example.com/in", ["93.184.216.34"], "refused: in AWS the webhook must use https"],
    ["https://internal.example.com/", ["10.1.2.3"], "refused: the webhook's host is not a public internet address"],
    [
      "https://rebind.example.com/",
      ["93.184.216.34", "127.0.0.1"],
      "refused: the webhook's host is not a public internet address",
    ],
    ["https://169.254.169.254/latest/meta-data/", [], "refused: the webhook's host is not a public internet address"],
    ["https://[::1]:8443/", [], "refused: the webhook's host is not a public internet address"],
    ["https://[::ffff:192.168.1.1]/", [], "refused: the webhook's host is not a public internet address"],
    ["https://[fd00::1]/", [], "refused: the webhook's host is not a public internet address"],
    ["https://nowhere.example.com/", [], "refused: the webhook's host does not resolve"],
    ["not a url", [], "refused: the webhook URL does not parse"],
  ])("refuses %s", async (url, addresses, why) => {
    expect(await refusedWebhookDestination(url, resolvingTo(...addresses))).toBe(why);
  });

  it("says why when the name does not resolve, without any address", async () => {
    const failing = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    expect(await refusedWebhookDestination("https://gone.example.com/", failing)).toBe(
      "refused: the webhook's host does not resolve (ENOTFOUND)",
    );
  });

  it.each([
    ["0.0.0.0", false],
    ["100.64.0.1", false],
    ["172.31.255.255", false],
    ["172.32.0.1", true],
    ["192.168.0.1", false],
    ["224.0.0.1", false],
    ["fe80::1", false],
    ["64:ff9b::a00:1", false],
    ["::ffff:8.8.8.8", true],
    ["1.1.1.1", true],
    ["not-an-ip", false],
  ])("%s is public: %s", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

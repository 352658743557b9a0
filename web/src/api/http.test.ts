import { afterEach, describe, expect, it, vi } from "vitest";

// The typed client resolves paths against the page's origin, which a browser has and node does not.
vi.hoisted(() => Object.assign(globalThis, { location: { origin: "http://console.test" } }));
import { asIs, client, configureHttp, dataOf } from "./http.ts";
import { endsSession, isApiError } from "./problem.ts";

const problem = (status: number, code: string) =>
  new Response(JSON.stringify({ status, code, title: code }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
const ok = (body: unknown) =>
  new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });

describe("the API client and an expiring token", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    configureHttp({ token: () => null, sessionEnded: () => undefined });
  });

  it("renews a token the API refuses as expired and sends the request once more", async () => {
    const auths: (string | undefined)[] = [];
    const replies = [problem(401, "invalid_token"), ok({ items: [] })];
    vi.stubGlobal("fetch", async (_url: string, init: RequestInit) => {
      auths.push((init.headers as Record<string, string>).authorization);
      return replies.shift()!;
    });
    let token = "old";
    const ended: string[] = [];
    configureHttp({
      token: () => token,
      sessionEnded: (c) => ended.push(c),
      refresh: async () => (token = "new"),
    });
    await expect(dataOf(client.GET("/clients"))).resolves.toEqual({ items: [] });
    expect(auths).toEqual(["Bearer old", "Bearer new"]);
    expect(ended).toEqual([]);
  });

  it("ends the session when there is nothing to renew it with, and reads the gateway's bare 401 as an invalid token", async () => {
    vi.stubGlobal(
      "fetch",
      async () =>
        new Response(JSON.stringify({ message: "Unauthorized" }), {
          status: 401,
          headers: { "content-type": "application/json" },
        }),
    );
    const ended: string[] = [];
    configureHttp({ token: () => "expired", sessionEnded: (c) => ended.push(c), refresh: async () => null });
    const error = await dataOf(client.GET("/clients")).catch((e: unknown) => e);
    expect(isApiError(error) && error.code).toBe("invalid_token");
    expect(endsSession(error)).toBe(true);
    expect(ended).toEqual(["invalid_token"]);
  });

  it("does not renew for a refusal that is not about the token", async () => {
    const refresh = vi.fn(async () => "new");
    vi.stubGlobal("fetch", async () => problem(403, "agreement_missing"));
    configureHttp({ token: () => "t", sessionEnded: () => undefined, refresh });
    const error = await dataOf(client.GET("/clients")).catch((e: unknown) => e);
    expect(isApiError(error) && error.code).toBe("agreement_missing");
    expect(refresh).not.toHaveBeenCalled();
  });

  it("sends a document as it is, with its own media type, and reads the typed answer", async () => {
    const sent: { url: string; type: string | undefined; bytes: Uint8Array }[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      const headers = init.headers as Record<string, string>;
      sent.push({ url, type: headers["content-type"], bytes: new Uint8Array(await (init.body as Blob).arrayBuffer()) });
      return new Response(JSON.stringify({ id: "doc_1" }), {
        status: 201,
        headers: { "content-type": "application/json" },
      });
    });
    const scan = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: "image/png" });
    const answer = await dataOf(
      client.POST("/clients/{id}/documents", {
        params: { path: { id: "c 1" }, query: { kind: "id_card_front" } },
        body: scan,
        bodySerializer: asIs,
        headers: { "content-type": "image/png" },
      }),
    );
    expect(answer).toEqual({ id: "doc_1" });
    expect(sent).toEqual([
      {
        url: "http://console.test/clients/c%201/documents?kind=id_card_front",
        type: "image/png",
        bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
      },
    ]);
  });
});

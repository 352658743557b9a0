import { describe, expect, it } from "vitest";
import type { SubjectRequestView } from "../../api/model.ts";
import {
  copyBody,
  deletionConfirmed,
  dueState,
  fulfilBody,
  mayFulfil,
  newRequestBody,
  recordedBy,
  sortRequests,
} from "./requests.ts";

const req = (over: Partial<SubjectRequestView>): SubjectRequestView => ({
  assigneeName: null,
  assigneeUsername: null,
  createdByName: null,
  createdByUsername: null,
  id: "dsr_1",
  tenantId: "lianfang",
  clientId: "c_1",
  branchId: "bj-chaoyang",
  type: "access_copy",
  channel: "in_person",
  evidenceRef: "paper:dsr/1",
  receivedAt: "2026-11-01T00:00:00.000Z",
  dueAt: "2026-11-16T00:00:00.000Z",
  assigneeId: "agent.li",
  status: "open",
  overdue: false,
  createdBy: "agent.li",
  createdAt: "2026-11-01T00:00:00.000Z",
  ...over,
});
const at = (iso: string) => Date.parse(iso);

describe("a request's due date", () => {
  it("counts the days left, today as 0, and the days overdue", () => {
    expect(dueState(req({}), at("2026-11-10T00:00:00Z"))).toEqual({ kind: "due", days: 6 });
    expect(dueState(req({}), at("2026-11-15T12:00:00Z"))).toEqual({ kind: "due", days: 0 });
    expect(dueState(req({ overdue: true }), at("2026-11-18T01:00:00Z"))).toEqual({ kind: "overdue", days: 2 });
    // The API's flag decides, even a moment after the due time.
    expect(dueState(req({ overdue: true }), at("2026-11-16T00:00:01Z"))).toEqual({ kind: "overdue", days: 1 });
    expect(dueState(req({ status: "fulfilled", overdue: false }), at("2027-01-01T00:00:00Z"))).toEqual({
      kind: "done",
    });
  });

  it("lists open requests first, the earliest due first, then fulfilled ones newest first", () => {
    const items = [
      req({ id: "f1", status: "fulfilled", fulfilledAt: "2026-11-03T00:00:00Z" }),
      req({ id: "o2", dueAt: "2026-11-20T00:00:00Z" }),
      req({ id: "f2", status: "fulfilled", fulfilledAt: "2026-11-05T00:00:00Z" }),
      req({ id: "o1", dueAt: "2026-11-02T00:00:00Z", overdue: true }),
    ];
    expect(sortRequests(items).map((r) => r.id)).toEqual(["o1", "o2", "f2", "f1"]);
  });
});

describe("fulfilling a request", () => {
  it("sends only what the type reads", () => {
    expect(
      fulfilBody("correction", { field: "phone", value: " 13911112222 ", method: "written", note: " 已核实 " }),
    ).toEqual({ field: "phone", value: "13911112222", note: "已核实" });
    expect(fulfilBody("correction", { field: "budget", value: 3000000 })).toEqual({ field: "budget", value: 3000000 });
    expect(fulfilBody("withdrawal", { method: "recorded_verbal", field: "phone" })).toEqual({
      method: "recorded_verbal",
    });
    expect(fulfilBody("deletion", { field: "phone", value: "x", note: "" })).toEqual({});
    expect(fulfilBody("access_copy", {})).toEqual({});
  });

  it("deletes only after the confirming word, in either language", () => {
    expect(deletionConfirmed("删除")).toBe(true);
    expect(deletionConfirmed(" delete ")).toBe(true);
    expect(deletionConfirmed("DELETE")).toBe(true);
    expect(deletionConfirmed("删")).toBe(false);
    expect(deletionConfirmed(undefined)).toBe(false);
  });

  it("records a new request with blanks left out and the time in ISO 8601", () => {
    expect(
      newRequestBody({
        type: "deletion",
        channel: "in_person",
        evidenceRef: " paper:dsr/9 ",
        details: "  ",
        receivedAt: new Date("2026-11-20T02:00:00Z"),
      }),
    ).toEqual({
      type: "deletion",
      channel: "in_person",
      evidenceRef: "paper:dsr/9",
      receivedAt: "2026-11-20T02:00:00.000Z",
    });
  });
});

describe("four eyes on a request", () => {
  it("keeps the person who recorded it from fulfilling it or issuing its copy", () => {
    expect(recordedBy(req({ createdBy: "agent.li" }), "agent.li")).toBe(true);
    expect(recordedBy(req({ createdBy: "agent.li" }), "manager.zhao")).toBe(false);
    expect(recordedBy(req({ createdBy: "agent.li" }), undefined)).toBe(false);
    expect(mayFulfil(req({ type: "deletion" }), "agent.li")).toEqual({ ok: false, reason: "recorder" });
    expect(mayFulfil(req({ type: "deletion" }), "manager.zhao")).toEqual({ ok: true });
    expect(mayFulfil(req({ type: "deletion", status: "fulfilled" }), "manager.zhao")).toEqual({
      ok: false,
      reason: "closed",
    });
  });

  it("closes an access-copy request only once its one copy is issued", () => {
    expect(mayFulfil(req({}), "manager.zhao")).toEqual({ ok: false, reason: "copy_first" });
    expect(mayFulfil(req({}), "manager.zhao", true)).toEqual({ ok: true });
    expect(
      mayFulfil(
        req({
          copy: { issuedAt: "2026-11-02T00:00:00.000Z", issuedBy: "manager.zhao", format: "pdf", delivery: "download" },
        }),
        "compliance.wang",
      ),
    ).toEqual({ ok: true });
    expect(copyBody("pdf", "share")).toEqual({ format: "pdf", delivery: "share" });
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { lockSession, queryClient } from "../app/queryClient.ts";
import { DEFAULT_IDLE_MINUTES, createIdleTimer, idleMinutes, onLock } from "./idle.ts";
import { sessionStore } from "./session.ts";

const MIN = 60_000;

describe("the idle lock", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    sessionStore.set(null);
    queryClient.clear();
  });

  it("uses the tenant's idleLockMinutes, and 15 minutes when it is absent or nonsense", () => {
    expect(DEFAULT_IDLE_MINUTES).toBe(15);
    expect(idleMinutes(undefined)).toBe(15);
    expect(idleMinutes({})).toBe(15);
    expect(idleMinutes({ idleLockMinutes: 0 })).toBe(15);
    expect(idleMinutes({ idleLockMinutes: "5" })).toBe(15);
    expect(idleMinutes({ idleLockMinutes: 5 })).toBe(5);
  });

  it("fires once after the idle time, and activity pushes it back", () => {
    const onIdle = vi.fn();
    const timer = createIdleTimer(15 * MIN, onIdle);
    vi.advanceTimersByTime(10 * MIN);
    timer.activity();
    vi.advanceTimersByTime(10 * MIN); // 20 minutes since start, 10 since the last activity
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(5 * MIN - 1);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60 * MIN);
    expect(onIdle).toHaveBeenCalledTimes(1);
    timer.stop();
  });

  it("never fires once stopped (signed out, or the layout left)", () => {
    const onIdle = vi.fn();
    createIdleTimer(1 * MIN, onIdle).stop();
    vi.advanceTimersByTime(10 * MIN);
    expect(onIdle).not.toHaveBeenCalled();
  });

  it("on locking clears revealed values, the query cache and the session", () => {
    sessionStore.set({
      token: "x.y.z",
      username: "agent.li@anjia",
      displayName: "李娜",
      tenantName: "安家地产",
      claims: { staffId: "s1", tenantId: "anjia", role: "agent", branchId: "b1", expiresAt: 0 },
    });
    queryClient.setQueryData(["client", "c_1"], { fields: { phone: { value: "138****5678", masked: true } } });
    let revealed: Record<string, string> = { idNumber: "11010519491231002X" };
    const off = onLock(() => {
      revealed = {};
    });
    const timer = createIdleTimer(DEFAULT_IDLE_MINUTES * MIN, lockSession);
    vi.advanceTimersByTime(DEFAULT_IDLE_MINUTES * MIN - 1);
    expect(sessionStore.get()).not.toBeNull();
    expect(queryClient.getQueryData(["client", "c_1"])).toBeDefined();
    vi.advanceTimersByTime(1);
    expect(revealed).toEqual({});
    expect(queryClient.getQueryCache().getAll()).toHaveLength(0);
    expect(sessionStore.get()).toBeNull();
    timer.stop();
    off();
  });
});

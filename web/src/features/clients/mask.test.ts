import { Catalog } from "@keyhold/core";
import { describe, expect, it } from "vitest";
import { contactFields, listMatches, listValue } from "./mask.ts";

describe("the client list shows masks only", () => {
  it("shows the API's mask as sent", () => {
    expect(listValue({ value: "138****5678", masked: true }, "phone")).toBe("138****5678");
  });

  it("masks a value that arrived in clear, exactly as the API would have", () => {
    const samples: Record<string, string> = {
      fullName: "欧阳娜娜",
      surname: "欧阳",
      phone: "13812345678",
      email: "li.na@example.com",
      wechat: "lina_2026",
      idNumber: "11010519491231002X",
      bankAccount: "6228480402564890018",
      workPhone: "01065529988",
    };
    for (const [name, value] of Object.entries(samples)) {
      const shown = listValue({ value, masked: false }, name);
      expect(shown, name).toBe(Catalog.maskValue(name as never, value));
      expect(shown, name).not.toBe(value);
    }
  });

  it("hides a clear value the list has no mask for entirely", () => {
    expect(listValue({ value: 3_000_000, masked: false }, "budget")).toBe("******");
    expect(listValue(undefined, "phone")).toBe("—");
  });

  it("counts phone, email and wechat as contact fields", () => {
    expect([...contactFields].sort()).toEqual(["email", "phone", "wechat"]);
  });
});

describe("the list's search", () => {
  const client = {
    id: "c_7f3a",
    fields: { fullName: { value: "张**", masked: true }, phone: { value: "138****5678", masked: true } },
  };

  it("finds a surname, a phone's last digits or the client id", () => {
    for (const q of ["张", "5678", "c_7f", " C_7F3A "]) expect(listMatches(client, q), q).toBe(true);
    expect(listMatches(client, "")).toBe(true);
  });

  it("searches only what the list shows: never a clear value", () => {
    expect(listMatches(client, "李")).toBe(false);
    expect(listMatches(client, "1234")).toBe(false);
    // A clear value that reached the console is masked before the search sees it.
    const clear = {
      id: "c_1",
      fields: { fullName: { value: "王秀英", masked: false }, phone: { value: "13912341234", masked: false } },
    };
    expect(listMatches(clear, "秀英")).toBe(false);
    expect(listMatches(clear, "91234")).toBe(false);
    expect(listMatches(clear, "王")).toBe(true);
  });
});

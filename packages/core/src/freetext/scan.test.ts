import { describe, expect, it } from "vitest";
import { isLuhn, residentIdCheckChar } from "../catalog/validators.ts";
import { normalizeForScan, scanPersonalData } from "./scan.ts";

const id17 = "11010119900307803";
const ID = id17 + residentIdCheckChar(id17);
const idX = (() => {
  // A first-17 whose check character is X, so the trailing letter is exercised too.
  for (let n = 0; n < 1000; n++) {
    const first = `11010519650723${String(n).padStart(3, "0")}`;
    if (residentIdCheckChar(first) === "X") return `${first}X`;
  }
  throw new Error("no X check character found");
})();
const luhnComplete = (first: string) => {
  for (let d = 0; d <= 9; d++) if (isLuhn(first + d)) return first + d;
  throw new Error("unreachable");
};
const CARD16 = luhnComplete("622202100112345");
const CARD19 = luhnComplete("621700000012345678");
const spaced = (s: string, every = 4) => s.replace(new RegExp(`(.{${every}})(?=.)`, "g"), "$1 ");
const fullWidth = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));

describe("the free-text scan finds what an insider types", () => {
  const mobiles = [
    "13812345678",
    "客户电话13812345678，周末联系",
    "138 1234 5678",
    "138-1234-5678",
    "138.1234.5678",
    "(138) 1234-5678",
    "+86 138 1234 5678",
    "0086-13812345678",
    "8613812345678",
    fullWidth("13812345678"),
    `${fullWidth("138")} ${fullWidth("1234")} ${fullWidth("5678")}`,
    "1 3 8 1 2 3 4 5 6 7 8",
    "138\u200b1234\u200b5678",
    "138\u00a01234\u00a05678",
    "电话138，尾号1234 5678",
    "call 138 then 1234 then 5678",
    "客户手机一三八一二三四五六七八",
    "手机：幺三八 1234 5678",
    "①③⑧①②③④⑤⑥⑦⑧",
    "١٣٨١٢٣٤٥٦٧٨",
    "2026-03-01 13812345678",
  ];
  it.each(mobiles)("a mobile number: %s", (text) => {
    expect(scanPersonalData(text)).toContain("mobile");
  });

  const ids = [
    ID,
    idX,
    idX.toLowerCase(),
    `身份证 ${spaced(ID, 6)}`,
    `${ID.slice(0, 6)}-${ID.slice(6, 14)}-${ID.slice(14)}`,
    `${ID.slice(0, 6)} ${ID.slice(6, 10)}-${ID.slice(10, 12)}-${ID.slice(12, 14)} ${ID.slice(14)}`,
    fullWidth(ID),
    `证件号${idX.slice(0, 9)}，后面是${idX.slice(9)}`,
  ];
  it.each(ids)("a resident ID number: %s", (text) => {
    expect(scanPersonalData(text)).toContain("id_number");
  });

  const cards = [
    CARD16,
    CARD19,
    spaced(CARD19),
    CARD19.replace(/(\d{4})(?=\d)/g, "$1-"),
    `卡号 ${fullWidth(spaced(CARD16))}`,
  ];
  it.each(cards)("a card number: %s", (text) => {
    expect(scanPersonalData(text)).toContain("card_number");
  });

  const emails = [
    "zhang.wei@example.com",
    "邮箱 zhang.wei@example.com.cn 已确认",
    "zhang.wei ＠ example ． com",
    "zhang(at)example(dot)com",
    "zhang [at] qq [dot] com",
    "zhang at example dot com",
    "zhangwei艾特qq点com",
    "ZHANG.WEI@EXAMPLE.COM",
  ];
  it.each(emails)("an e-mail address: %s", (text) => {
    expect(scanPersonalData(text)).toEqual(["email"]);
  });
});

describe("the free-text scan leaves ordinary text alone", () => {
  const ordinary = [
    "客户于2026-03-01到访，2026-03-05复看，意向三室一厅",
    "2026-03-01 14:30 至 2026-03-01 15:30 带看 3 套",
    "会议 2026-03-15 13:30 - 2026-03-16 13:30",
    "2026年3月15日 13:30 签约，2026年4月1日 过户",
    "预算 650万，首付 30%",
    "合同金额 6,500,000 元，定金 100,000 元，尾款 5,400,000 元",
    "3室2厅1卫 120平米 总价 650万 单价 54166 元/平米",
    "朝阳店 2号保密柜 第3层",
    "paper:consent/0001",
    "letter:2026-11-20",
    "esign:8812",
    "contract:20260301-0001-0002",
    "房源编号 BJ-2024-000123",
    "订单号 2024031512345678",
    "Court order 2026-民-118 requires disclosure of the ID number",
    "客户要求查看本人信息的访问记录",
    "meet at the branch at 3pm",
    "工商银行朝阳支行 信贷部",
    "",
  ];
  it.each(ordinary)("%s", (text) => {
    expect(scanPersonalData(text)).toEqual([]);
  });
});

describe("normalisation", () => {
  it("folds full-width and other-script digits, Chinese numerals and zero-width characters", () => {
    expect(normalizeForScan("１３８\u200b一二三 ＡＢ")).toBe("138123 ab");
  });
});

import { Validators, type Role } from "@keyhold/core";

/**
 * The demo data: fixed, because the README, the tests and the console's sign-in picker rely on it.
 * Every client is fake; identifiers are generated with valid checksums.
 */
export const AGREEMENT_VERSION = "2024-01";

export interface DemoUser {
  username: string;
  staffId: string;
  displayName: string;
  role: Role;
  branchId: string | null;
  agreementSigned: boolean;
  backgroundCheck: "passed" | "pending" | null;
  /** A fake mobile in the staff record's sealed `contact.phone`: the number a privacy-number call rings. */
  phone: string;
}

export interface DemoTenant {
  tenantId: string;
  name: string;
  branches: { branchId: string; name: string }[];
  users: DemoUser[];
}

/**
 * Fake mobiles (the 147 segment, which no demo client or test client uses), so the privacy-number
 * simulator rings someone out of the box.
 */
export const demoStaffPhones: Record<string, string> = {
  "hq.admin@anjia": "14700000001",
  "compliance.wang@anjia": "14700000002",
  "manager.zhao@anjia": "14700000003",
  "agent.li@anjia": "14700000004",
  "agent.chen@anjia": "14700000005",
  "agent.new@anjia": "14700000006",
  "agent.sun@lianfang": "14700000011",
  "ops.admin@platform": "14700000099",
};

const user = (
  tenantId: string,
  local: string,
  displayName: string,
  role: Role,
  branchId: string | null,
  agreementSigned = true,
  backgroundCheck: DemoUser["backgroundCheck"] = "pending",
): DemoUser => ({
  username: `${local}@${tenantId}`,
  staffId: local,
  displayName,
  role,
  branchId,
  agreementSigned,
  backgroundCheck,
  phone: demoStaffPhones[`${local}@${tenantId}`]!,
});

/** The platform operator's own tenant: no branches, no clients — only the operator. */
export const platformTenant: DemoTenant = {
  tenantId: "platform",
  name: "Keyhold 平台运营",
  branches: [],
  users: [user("platform", "ops.admin", "平台管理员", "platform_admin", null, true, null)],
};

export const demoTenants: DemoTenant[] = [
  {
    tenantId: "anjia",
    name: "安家地产",
    branches: [
      { branchId: "bj-chaoyang", name: "北京朝阳店" },
      { branchId: "bj-haidian", name: "北京海淀店" },
      { branchId: "sh-pudong", name: "上海浦东店" },
    ],
    users: [
      user("anjia", "hq.admin", "周建国", "hq_admin", null, true, "passed"),
      user("anjia", "compliance.wang", "王芳", "compliance_officer", null, true, "passed"),
      user("anjia", "manager.zhao", "赵磊", "branch_manager", "bj-chaoyang", true, "passed"),
      user("anjia", "agent.li", "李娜", "agent", "bj-chaoyang", true, "passed"),
      user("anjia", "agent.chen", "陈强", "agent", "bj-haidian", true, "pending"),
      user("anjia", "agent.new", "刘洋", "agent", "bj-chaoyang", false, null),
    ],
  },
  {
    tenantId: "lianfang",
    name: "联房置业",
    branches: [{ branchId: "sz-futian", name: "深圳福田店" }],
    users: [user("lianfang", "agent.sun", "孙悦", "agent", "sz-futian", true, "passed")],
  },
];

const residentId = (first17: string) => first17 + Validators.residentIdCheckChar(first17);
function bankCard(first: string): string {
  for (let d = 0; d <= 9; d++) if (Validators.isLuhn(first + d)) return first + d;
  throw new Error("unreachable");
}

export interface DemoClient {
  owner: string;
  collectionPurpose: "purchase" | "rental" | "sale_listing" | "lease_listing";
  source: "walk_in" | "phone" | "referral" | "online" | "other";
  purposes: ("viewing" | "contract_signing" | "loan_application" | "title_transfer" | "client_request" | "marketing")[];
  sensitiveConsent: boolean;
  fields: Record<string, string | number>;
}

/** The consent form's reference in the branch's files, e.g. `paper:consent/anjia-0001`. */
export const demoConsentRef = (tenantId: string, index: number) =>
  `paper:consent/${tenantId}-${String(index + 1).padStart(4, "0")}`;

export const demoClients: Record<string, DemoClient[]> = {
  anjia: [
    {
      owner: "agent.li",
      collectionPurpose: "purchase",
      source: "walk_in",
      purposes: ["viewing", "contract_signing", "loan_application"],
      sensitiveConsent: true,
      fields: {
        fullName: "张伟",
        phone: "13812345678",
        idNumber: residentId("11010119880315851"),
        bankAccount: bankCard("622202100112345678"),
        income: 360000,
        budget: 6500000,
        areaPreference: "朝阳区望京",
        intendedProperty: "望京SOHO附近两居室",
      },
    },
    {
      owner: "agent.li",
      collectionPurpose: "rental",
      source: "online",
      purposes: ["viewing"],
      sensitiveConsent: false,
      fields: {
        fullName: "王秀英",
        phone: "13900001111",
        wechat: "wxy_2024",
        budget: 8000,
        areaPreference: "朝阳区三里屯",
      },
    },
    {
      owner: "agent.li",
      collectionPurpose: "sale_listing",
      source: "referral",
      purposes: ["contract_signing", "title_transfer"],
      sensitiveConsent: true,
      fields: {
        fullName: "刘建国",
        phone: "13700002222",
        idNumber: residentId("11010519650723123"),
        address: "北京市朝阳区建国路88号3号楼1201",
        bankAccount: bankCard("621700000012345678"),
      },
    },
    {
      owner: "agent.chen",
      collectionPurpose: "purchase",
      source: "phone",
      purposes: ["viewing", "contract_signing"],
      sensitiveConsent: true,
      fields: {
        fullName: "杨敏",
        phone: "15800003333",
        idNumber: residentId("11010819920101002"),
        budget: 4200000,
        areaPreference: "海淀区中关村",
      },
    },
    {
      owner: "agent.chen",
      collectionPurpose: "lease_listing",
      source: "walk_in",
      purposes: ["viewing", "contract_signing"],
      sensitiveConsent: false,
      fields: { fullName: "黄磊", phone: "18600004444", email: "huang.lei@example.com", workPhone: "010-62345678" },
    },
  ],
  lianfang: [
    {
      owner: "agent.sun",
      collectionPurpose: "purchase",
      source: "walk_in",
      purposes: ["viewing", "loan_application"],
      sensitiveConsent: true,
      fields: {
        fullName: "吴婷",
        phone: "13600005555",
        idNumber: residentId("44030419900815302"),
        income: 480000,
        areaPreference: "福田区香蜜湖",
      },
    },
    {
      owner: "agent.sun",
      collectionPurpose: "rental",
      source: "online",
      purposes: ["viewing"],
      sensitiveConsent: false,
      fields: { fullName: "郑浩", phone: "13500006666", budget: 6500 },
    },
  ],
};

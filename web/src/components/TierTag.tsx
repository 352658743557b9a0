import { Tag, Tooltip } from "antd";
import { LockOutlined } from "@ant-design/icons";
import { tierLabel } from "../api/catalog.ts";
import { useCatalog } from "../api/queries.ts";
import { useLang } from "../i18n/index.ts";

/** Tier colours: 绝密 red, 机密 orange, 敏感 blue — the marking the plan asks for on every record. */
export const tierColors: Record<number, string> = { 1: "red", 2: "orange", 3: "blue" };

export function TierTag({ tier, count, title }: { tier: number; count?: number; title?: string }) {
  const lang = useLang();
  const catalog = useCatalog().data;
  const label = tierLabel(catalog, tier, lang);
  const tag = (
    <Tag
      color={tierColors[tier]}
      icon={tier === 1 ? <LockOutlined /> : undefined}
      data-tier={tier}
      style={{ marginInlineEnd: 4 }}
    >
      {label}
      {count !== undefined ? ` ${count}` : ""}
    </Tag>
  );
  return title ? <Tooltip title={title}>{tag}</Tooltip> : tag;
}

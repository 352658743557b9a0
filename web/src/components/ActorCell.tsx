import { LinkOutlined, ScheduleOutlined } from "@ant-design/icons";
import { Tag, Tooltip } from "antd";
import { useTranslation } from "react-i18next";
import { useBranchNames } from "../api/queries.ts";
import type { TrailActor, TrailSource } from "../api/model.ts";
import { useSession } from "../auth/useSession.ts";
import { staffLabel } from "./format.ts";
import { actorView } from "../features/trail/trail.ts";

/**
 * Who acted, as the trail records it: a staff member (id, role, branch), a scheduled job, or the
 * recipient of a share link — named by the label it was shared to, "via" the staff member who shared.
 */
export function ActorCell({
  actor,
  source,
  name,
  username,
}: {
  actor: TrailActor;
  source?: TrailSource;
  /** The staff member as colleagues know them (the trail answers `actorName`/`actorUsername`). */
  name?: string | null;
  username?: string | null;
}) {
  const { t } = useTranslation();
  const session = useSession();
  const branchName = useBranchNames(session?.claims.tenantId);
  const a = actorView(actor);
  const from = source?.ip ? (
    <Tooltip title={source.userAgent ? t("trail.userAgent", { ua: source.userAgent }) : undefined}>
      <span className="kh-mono" data-testid="actor-source">
        {t("trail.from", { ip: source.ip })}
      </span>
    </Tooltip>
  ) : null;
  return (
    <div style={{ whiteSpace: "nowrap" }} data-actor-kind={a.kind}>
      {a.kind === "staff" && (
        <>
          {name ? (
            <span title={a.id} data-testid="actor-name">
              {staffLabel(name, username, a.id)}
            </span>
          ) : (
            <span className="kh-mono">{a.id}</span>
          )}
          <div style={{ fontSize: 12, color: "#6b7280" }}>
            {t(`roles.${a.role}`, { defaultValue: a.role })}
            {a.branchId && ` · ${branchName(a.branchId)}`}
          </div>
        </>
      )}
      {a.kind === "job" && (
        <>
          <Tag icon={<ScheduleOutlined />} color="default">
            {t("trail.job")}
          </Tag>
          <div className="kh-mono" style={{ fontSize: 12, color: "#6b7280" }}>
            {a.id}
          </div>
        </>
      )}
      {a.kind === "share_recipient" && (
        <>
          <Tooltip title={t("trail.shareRecipientHint", { share: a.shareId })}>
            <Tag icon={<LinkOutlined />} color="purple" data-testid="share-recipient">
              {a.label}
            </Tag>
          </Tooltip>
          <div style={{ fontSize: 12, color: "#6b7280" }}>{t("trail.via", { who: a.via })}</div>
        </>
      )}
      {from && <div style={{ fontSize: 12, color: "#9ca3af" }}>{from}</div>}
    </div>
  );
}

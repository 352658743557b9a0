import { EyeInvisibleOutlined, EyeOutlined, LockOutlined } from "@ant-design/icons";
import { Button, Space, Table, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useCapabilities } from "../../api/queries.ts";
import type { PaperFileView } from "../../api/model.ts";
import { staffLabel } from "../../components/format.ts";
import { EmptyState, ErrorState } from "../../components/States.tsx";
import { TierTag } from "../../components/TierTag.tsx";
import { sortPaperFiles } from "./paper.ts";
import { PaperActionDialog, type PaperAction } from "./PaperActionDialog.tsx";
import { PaperActions, PaperStatus } from "./PaperCells.tsx";
import { type PaperFilter, usePaperFiles } from "./paperQueries.ts";
import { SealedRevealDialog } from "../clients/SealedText.tsx";
import { display } from "../clients/reveal.ts";
import { FREE_TEXT_MASK, type SealedTarget } from "../clients/sealed.ts";
import { useRevealed } from "../clients/useRevealed.ts";

/**
 * The paper-file register: where each file is, who holds it and why, and its shredding with a witness.
 * Descriptions and locations are sealed: the mask until revealed for a purpose (both at once, in the
 * trail), then in clear for 60 seconds. `purposes` are the client's consented ones when known.
 */
export function PaperFilesTable({
  filter,
  showClient = true,
  emptyText,
  purposes,
}: {
  filter: PaperFilter;
  showClient?: boolean;
  emptyText?: string;
  purposes?: string[];
}) {
  const { t } = useTranslation();
  const caps = useCapabilities();
  const files = usePaperFiles(filter);
  const [action, setAction] = useState<PaperAction>(null);
  const { revealed, now, add, hide } = useRevealed();
  const [sealed, setSealed] = useState<SealedTarget | null>(null);
  const textOf = (f: PaperFileView, which: "description" | "location") =>
    String(display(revealed, `${f.id}.${which}`, f[which], now));
  const isOpen = (f: PaperFileView) =>
    textOf(f, "description") !== f.description || textOf(f, "location") !== f.location;
  const mayReveal = caps.has("POST /paper-files/{id}/reveal");

  const dialog = (
    <>
      <PaperActionDialog
        action={action}
        texts={
          action ? { description: textOf(action.file, "description"), location: textOf(action.file, "location") } : null
        }
        onClose={() => setAction(null)}
      />
      <SealedRevealDialog target={sealed} purposes={purposes} onClose={() => setSealed(null)} onRevealed={add} />
    </>
  );
  if (files.isError) return <ErrorState error={files.error} onRetry={() => void files.refetch()} />;
  if (!files.isPending && files.data.items.length === 0)
    return (
      <>
        <EmptyState description={emptyText ?? t("paper.empty")} />
        {dialog}
      </>
    );

  return (
    <>
      <Table<PaperFileView>
        rowKey="id"
        size={showClient ? "middle" : "small"}
        loading={files.isPending}
        dataSource={sortPaperFiles(files.data?.items ?? [])}
        pagination={(files.data?.items.length ?? 0) > 20 ? { pageSize: 20, showSizeChanger: false } : false}
        data-testid="paper-table"
        onRow={(f) => ({ "data-paper": f.id, "data-status": f.status }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t("paper.description"),
            key: "description",
            render: (_, f) => (
              <>
                <Space
                  size={4}
                  data-testid={`paper-description-${f.id}`}
                  data-sealed={isOpen(f) ? "revealed" : "masked"}
                >
                  {f.description === FREE_TEXT_MASK && !isOpen(f) && <LockOutlined style={{ color: "#8c8c8c" }} />}
                  <Typography.Text strong>{textOf(f, "description")}</Typography.Text>
                  {isOpen(f) ? (
                    <Button
                      type="link"
                      size="small"
                      icon={<EyeInvisibleOutlined />}
                      onClick={() => {
                        hide(`${f.id}.description`);
                        hide(`${f.id}.location`);
                      }}
                      style={{ padding: 0, height: "auto" }}
                    />
                  ) : (
                    mayReveal &&
                    (f.description === FREE_TEXT_MASK || f.location === FREE_TEXT_MASK) && (
                      <Button
                        type="link"
                        size="small"
                        icon={<EyeOutlined />}
                        onClick={() => setSealed({ kind: "paper", fileId: f.id })}
                        style={{ padding: 0, height: "auto" }}
                        data-testid={`paper-reveal-${f.id}`}
                      >
                        {t("sealed.reveal")}
                      </Button>
                    )
                  )}
                </Space>
                <div>
                  <Typography.Text type="secondary" className="kh-mono" style={{ fontSize: 12 }}>
                    {f.id}
                  </Typography.Text>
                </div>
              </>
            ),
          },
          { title: t("paper.tier"), key: "tier", render: (_, f) => <TierTag tier={f.tier} /> },
          ...(showClient
            ? [
                {
                  title: t("paper.client"),
                  key: "client",
                  render: (_: unknown, f: PaperFileView) => (
                    <Link to={`/console/clients/${encodeURIComponent(f.clientId)}`} className="kh-mono">
                      {f.clientId}
                    </Link>
                  ),
                },
              ]
            : []),
          {
            title: t("paper.location"),
            key: "location",
            render: (_, f) => <span data-testid={`paper-location-${f.id}`}>{textOf(f, "location")}</span>,
          },
          {
            title: t("paper.custodian"),
            key: "custodian",
            render: (_, f) => staffLabel(f.custodianName, f.custodianUsername, f.custodianId),
          },
          {
            title: t("paper.status"),
            key: "status",
            render: (_, f) => <PaperStatus file={f} />,
          },
          {
            title: "",
            key: "actions",
            render: (_, f) => <PaperActions file={f} onAction={setAction} />,
          },
        ]}
      />
      {dialog}
    </>
  );
}

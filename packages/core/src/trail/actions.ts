/**
 * The trail's actions, in one place: every action an event may name, what it counts toward in the
 * compliance figures (`compliance/contributions.ts`), and its zh/en label (the CSV export and the
 * console, through `GET /catalog`). `record` takes only these names, and a test fails when a route
 * or a use case names an action that is not here.
 *
 * `counts`:
 * - `reveal`: an allowed event is a disclosure of client data in clear: it counts in `reveals`, and in
 *   `tier1Reveals` / `breakGlass` when it carried tier-1 data / went through break-glass. Field
 *   reveals, document views (scans carry tier-1 data: ID cards, bank cards) and paper-file reveals.
 * - `call`: an allowed privacy-number call.
 * - `volume_alert`: the tier-1 volume guard tripped (counted apart from the other refusals).
 * Any other denied event counts as a refusal.
 */
export type Figure = "reveal" | "call" | "volume_alert";

/** How an event ended: what it did, or what it was refused. */
export const trailOutcomes = ["allowed", "denied"] as const;
export type Outcome = (typeof trailOutcomes)[number];

export interface TrailActionSpec {
  readonly zh: string;
  readonly en: string;
  readonly counts?: Figure;
}

export const trailActions = {
  "client.create": { zh: "登记客户", en: "Register client" },
  "client.list": { zh: "浏览客户列表", en: "List clients" },
  "client.view": { zh: "查看客户", en: "View client" },
  "client.reveal": { zh: "查看明文", en: "Reveal", counts: "reveal" },
  "client.lookup": { zh: "查重", en: "Dedupe lookup" },
  "client.access_history": { zh: "查看访问记录", en: "Access history" },
  "audit.read": { zh: "查阅留痕", en: "Read trail" },
  "audit.export": { zh: "导出留痕", en: "Export trail" },
  "audit.seal": { zh: "封存留痕", en: "Seal trail" },
  "audit.verify": { zh: "验证留痕", en: "Verify trail" },
  "settings.read": { zh: "查看设置", en: "Read settings" },
  "settings.update": { zh: "修改设置", en: "Change settings" },
  "settings.console_read": { zh: "读取控制台设置", en: "Read console settings" },
  "branch.list": { zh: "浏览门店", en: "List branches" },
  "alert.reveal_volume": { zh: "查看量告警", en: "Reveal volume alert", counts: "volume_alert" },
  "staff.list": { zh: "浏览员工", en: "List staff" },
  "staff.view": { zh: "查看员工", en: "View staff" },
  "staff.create": { zh: "新增员工", en: "Add staff" },
  "staff.update": { zh: "修改员工", en: "Change staff" },
  "staff.agreement": { zh: "登记保密协议", en: "Record agreement" },
  "staff.background_check": { zh: "登记背景审查", en: "Record background check" },
  "staff.revoke_sessions": { zh: "撤销会话", en: "Revoke sessions" },
  "staff.offboarding": { zh: "办理离职", en: "Offboarding" },
  "staff.offboarding_view": { zh: "查看离职办理", en: "View offboarding" },
  "staff.offboarding_checklist": { zh: "离职清单", en: "Offboarding checklist" },
  "client.handover": { zh: "客户交接", en: "Client handover" },
  "client.reassign": { zh: "客户交接", en: "Client handover" },
  "client.copy": { zh: "出具信息副本", en: "Issue data copy" },
  "client.correct": { zh: "更正信息", en: "Correct data" },
  "client.destroyed": { zh: "销毁客户信息", en: "Client data destroyed" },
  "consent.view": { zh: "查看同意记录", en: "View consent" },
  "consent.add_purposes": { zh: "追加同意目的", en: "Add consent purposes" },
  "consent.withdraw": { zh: "撤回同意", en: "Withdraw consent" },
  "request.create": { zh: "登记权利请求", en: "Record rights request" },
  "request.list": { zh: "浏览权利请求", en: "List rights requests" },
  "request.view": { zh: "查看权利请求", en: "View rights request" },
  "request.fulfil": { zh: "办结权利请求", en: "Fulfil rights request" },
  "paper.register": { zh: "登记纸质档案", en: "Register paper file" },
  "paper.list": { zh: "浏览纸质档案", en: "List paper files" },
  "paper.checkout": { zh: "借出纸质档案", en: "Check out paper file" },
  "paper.checkin": { zh: "归还纸质档案", en: "Check in paper file" },
  "paper.destroy": { zh: "销毁纸质档案", en: "Shred paper file" },
  "document.upload": { zh: "上传文件", en: "Upload document" },
  "document.list": { zh: "浏览文件", en: "List documents" },
  "document.view": { zh: "查看文件", en: "View document", counts: "reveal" },
  "document.original": { zh: "调阅文件原件", en: "View original document", counts: "reveal" },
  "document.retention": { zh: "记录成交", en: "Record deal closed" },
  "document.share": { zh: "分享文件", en: "Share document" },
  "document.share.list": { zh: "查看分享链接", en: "List share links" },
  "document.share.revoke": { zh: "撤销分享链接", en: "Revoke share link" },
  "document.share.download": { zh: "通过分享链接下载", en: "Download via share link" },
  "document.share.open": { zh: "打开分享页面", en: "Share link page opened" },
  "document.destroy": { zh: "销毁文件", en: "Destroy document" },
  "document.destroyed": { zh: "文件已销毁", en: "Document destroyed" },
  "compliance.overview": { zh: "查看合规总览", en: "View compliance overview" },
  "compliance.branch": { zh: "查看门店合规详情", en: "View branch compliance" },
  "compliance.report": { zh: "下载合规报告", en: "Download compliance report" },
  "platform.tenant_list": { zh: "浏览租户", en: "List tenants" },
  "platform.tenant_view": { zh: "查看租户", en: "View tenant" },
  "platform.tenant_onboard": { zh: "开通品牌", en: "Onboard brand" },
  "platform.tenant_suspend": { zh: "暂停品牌", en: "Suspend brand" },
  "platform.tenant_resume": { zh: "恢复品牌", en: "Resume brand" },
  "platform.tenant_plan": { zh: "变更套餐", en: "Change plan" },
  "platform.tenant_offboard": { zh: "办理退订", en: "Offboard brand" },
  "platform.tenant_shred": { zh: "销毁租户密钥", en: "Shred tenant key" },
  "platform.tenant_shredded": { zh: "租户密钥已计划删除", en: "Tenant key deletion scheduled" },
  "alert.list": { zh: "浏览告警", en: "List alerts" },
  "alert.review": { zh: "复核告警", en: "Review an alert" },
  "staff.notice": { zh: "登记离职通知期", en: "Notice period set" },
  "staff.hold_released": { zh: "解除账号冻结", en: "Account hold released" },
  "feed.secret": { zh: "更换留痕推送密钥", en: "Trail feed secret replaced" },
  "keys.rotate_propose": { zh: "提出密钥轮换", en: "Propose key rotation" },
  "keys.rotate_confirm": { zh: "确认密钥轮换", en: "Confirm key rotation" },
  "keys.rotate_reject": { zh: "驳回密钥轮换", en: "Reject key rotation" },
  "keys.rotated": { zh: "密钥轮换完成证明", en: "Key rotation certificate" },
  "job.list": { zh: "浏览后台任务", en: "List jobs" },
  "job.view": { zh: "查看后台任务", en: "View a job" },
  "staff.change_proposed": { zh: "提出员工变更", en: "Propose a staff change" },
  "staff.change_confirm": { zh: "确认员工变更", en: "Confirm a staff change" },
  "staff.change_reject": { zh: "驳回员工变更", en: "Reject a staff change" },
  "staff.change_list": { zh: "浏览员工变更", en: "List staff changes" },
  "staff.clients_handed_over": { zh: "客户已交接", en: "Clients handed over" },
  "staff.offboarding_started": { zh: "开始办理离职", en: "Offboarding started" },
  "staff.offboarding_handover_changed": { zh: "更换交接人", en: "Hand-over recipient changed" },
  "staff.departed": { zh: "已离职", en: "Departed" },
  "platform.staff_change_list": { zh: "浏览品牌员工变更", en: "List a brand's staff changes" },
  "platform.staff_change_confirm": { zh: "确认品牌员工变更", en: "Confirm a brand's staff change" },
  "platform.staff_change_reject": { zh: "驳回品牌员工变更", en: "Reject a brand's staff change" },
  "access_request.create": { zh: "提交访问申请", en: "File access request" },
  "access_request.list": { zh: "浏览访问申请", en: "List access requests" },
  "access_request.approve": { zh: "批准访问申请", en: "Approve access request" },
  "access_request.deny": { zh: "驳回访问申请", en: "Deny access request" },
  "client.call": { zh: "隐号拨打", en: "Privacy-number call", counts: "call" },
  "call.report": { zh: "通话", en: "Call" },
  "call.release": { zh: "释放隐私号", en: "Virtual number released" },
  "call.bind_failed": { zh: "隐私号绑定失败", en: "Virtual number failed" },
  "call.simulate": { zh: "模拟通话", en: "Simulated call" },
  "catalog.read": { zh: "查看字段目录", en: "Read field catalog" },
  "paper.reveal": { zh: "查看纸质档案明文", en: "Paper file revealed", counts: "reveal" },
  "paper.label": { zh: "打印纸质档案标签", en: "Paper file label printed" },
  "recovery.completed": { zh: "中断操作已补完", en: "Interrupted operation completed" },
  "recovery.rolled_back": { zh: "中断操作已撤回", en: "Interrupted operation rolled back" },
  "compliance.register": { zh: "查看处理活动记录", en: "Read processing register" },
  "identity.sign_in": { zh: "登录", en: "Sign in" },
  "identity.lockout": { zh: "登录锁定", en: "Sign-in locked out" },
  "identity.password": { zh: "设置密码", en: "Password set" },
  "identity.totp_enrolled": { zh: "绑定动态口令", en: "TOTP enrolled" },
  "identity.refresh": { zh: "续期会话", en: "Session refreshed" },
  "identity.sign_out": { zh: "退出登录", en: "Sign out" },
  "identity.bootstrap": { zh: "初始化租户", en: "Tenant bootstrapped" },
  "staff.federated_subject": { zh: "关联企业身份", en: "Federated identity linked" },
  "staff.one_time_password": { zh: "签发一次性密码", en: "One-time password issued" },
} as const satisfies Record<string, TrailActionSpec>;

export type TrailAction = keyof typeof trailActions;
export const trailActionNames = Object.keys(trailActions) as TrailAction[];

export const isTrailAction = (action: string): action is TrailAction => Object.hasOwn(trailActions, action);

/** What an event of this action counts toward; events written under names since retired count as nothing. */
export const figureOf = (action: string): Figure | undefined =>
  isTrailAction(action) ? (trailActions[action] as TrailActionSpec).counts : undefined;

/**
 * Whether an event read back (its action a plain string, since events outlive renamed actions) is
 * this action: the name is a `TrailAction`, so a typo fails typecheck where a string compare would not.
 */
export const actionIs = (action: string, name: TrailAction): boolean => action === name;

/** Whether an event read back is one of `names` (a `Set<TrailAction>`: a typo in it fails typecheck). */
export const actionIn = (action: string, names: ReadonlySet<TrailAction>): boolean =>
  isTrailAction(action) && names.has(action);

/** The label of an action for people (the export, the console); an unknown name reads as itself. */
export const actionLabel = (action: string, lang: "zh" | "en"): string =>
  isTrailAction(action) ? trailActions[action][lang] : action;

/** The catalog as the console reads it (`GET /catalog`). */
export const describeTrailActions = () =>
  trailActionNames.map((name) => {
    const spec: TrailActionSpec = trailActions[name];
    return { name, label: { zh: spec.zh, en: spec.en }, counts: spec.counts ?? null };
  });

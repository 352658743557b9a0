import type { Role } from "../context.ts";
import type { Outcome } from "./trail.ts";

/**
 * Chinese labels for what the trail records, for the files people read (CSV exports, PDFs): roles,
 * outcomes and actions appear as 合规专员 / 允许 / 查看明文, not as their codes. The lookups are small
 * functions so they can be pointed at a typed trail-action catalog once there is one; a code with no
 * label yet stays as it is rather than disappearing.
 */
export const roleLabels: Record<Role, string> = {
  agent: "经纪人",
  branch_manager: "店长",
  compliance_officer: "合规专员",
  hq_admin: "总部管理员",
  platform_admin: "平台运营",
};

export const outcomeLabels: Record<Outcome, string> = { allowed: "允许", denied: "拒绝" };

/** The console's action labels (web/src/i18n/zh-CN.ts), plus the actions it does not list. */
export const actionLabels: Record<string, string> = {
  "client.create": "登记客户",
  "client.list": "浏览客户列表",
  "client.view": "查看客户",
  "client.reveal": "查看明文",
  "client.lookup": "查重",
  "client.access_history": "查看访问记录",
  "audit.read": "查阅留痕",
  "audit.export": "导出留痕",
  "audit.seal": "封存留痕",
  "audit.verify": "验证留痕",
  "settings.read": "查看设置",
  "settings.update": "修改设置",
  "alert.reveal_volume": "查看量告警",
  "staff.list": "浏览员工",
  "staff.view": "查看员工",
  "staff.create": "新增员工",
  "staff.update": "修改员工",
  "staff.agreement": "登记保密协议",
  "staff.background_check": "登记背景审查",
  "staff.revoke_sessions": "撤销会话",
  "staff.offboarding": "办理离职",
  "staff.offboarding_view": "查看离职办理",
  "staff.offboarding_checklist": "离职清单",
  "client.handover": "客户交接",
  "client.reassign": "客户交接",
  "client.copy": "出具信息副本",
  "client.correct": "更正信息",
  "client.destroyed": "销毁客户信息",
  "consent.view": "查看同意记录",
  "consent.add_purposes": "追加同意目的",
  "consent.withdraw": "撤回同意",
  "request.create": "登记权利请求",
  "request.list": "浏览权利请求",
  "request.view": "查看权利请求",
  "request.fulfil": "办结权利请求",
  "paper.register": "登记纸质档案",
  "paper.list": "浏览纸质档案",
  "paper.checkout": "借出纸质档案",
  "paper.checkin": "归还纸质档案",
  "paper.destroy": "销毁纸质档案",
  "document.upload": "上传文件",
  "document.list": "浏览文件",
  "document.view": "查看文件",
  "document.original": "调阅文件原件",
  "document.retention": "记录成交",
  "document.share": "分享文件",
  "document.share.list": "查看分享链接",
  "document.share.revoke": "撤销分享链接",
  "document.share.download": "通过分享链接下载",
  "document.destroy": "销毁文件",
  "document.destroyed": "文件已销毁",
  "compliance.overview": "查看合规总览",
  "compliance.branch": "查看门店合规详情",
  "compliance.report": "下载合规报告",
  "platform.tenant_list": "浏览租户",
  "platform.tenant_view": "查看租户",
  "platform.tenant_onboard": "开通品牌",
  "platform.tenant_suspend": "暂停品牌",
  "platform.tenant_resume": "恢复品牌",
  "platform.tenant_plan": "变更套餐",
  "platform.tenant_offboard": "办理退订",
  "platform.tenant_shred": "销毁租户密钥",
  "platform.tenant_shredded": "租户密钥已计划删除",
  "alert.list": "浏览告警",
  "alert.review": "复核告警",
  "staff.change_proposed": "提出员工变更",
  "staff.change_confirm": "确认员工变更",
  "staff.change_reject": "驳回员工变更",
  "staff.change_list": "浏览员工变更",
  "staff.clients_handed_over": "客户已交接",
  "staff.offboarding_started": "开始办理离职",
  "staff.offboarding_handover_changed": "更换交接人",
  "staff.departed": "已离职",
  "platform.staff_change_list": "浏览品牌员工变更",
  "platform.staff_change_confirm": "确认品牌员工变更",
  "platform.staff_change_reject": "驳回品牌员工变更",
  "access_request.create": "提交访问申请",
  "access_request.list": "浏览访问申请",
  "access_request.approve": "批准访问申请",
  "access_request.deny": "驳回访问申请",
  "client.call": "隐号拨打",
  "call.report": "通话",
  "call.release": "释放隐私号",
  "call.bind_failed": "隐私号绑定失败",
  "call.simulate": "模拟通话",
  "paper.reveal": "查看纸质档案明文",
  "paper.label": "打印纸质档案标签",
  "recovery.completed": "恢复完成",
  "recovery.rolled_back": "恢复回滚",
  "use": "使用",
  "view": "查看",
};

/** The actor kinds of the trail (staff, a system job, a share link's recipient). */
export const actorTypeLabels: Record<string, string> = { staff: "员工", job: "系统任务", share_recipient: "分享链接接收人" };

const lookup = (table: Record<string, string>, code: string | null | undefined) => (code ? (table[code] ?? code) : "");

export const roleLabel = (role: string | null | undefined) => lookup(roleLabels, role);
export const outcomeLabel = (outcome: string | null | undefined) => lookup(outcomeLabels, outcome);
export const actionLabel = (action: string | null | undefined) => lookup(actionLabels, action);
export const actorTypeLabel = (type: string | null | undefined) => lookup(actorTypeLabels, type);

import {
  AlertOutlined,
  AuditOutlined,
  CloudServerOutlined,
  DashboardOutlined,
  FolderOpenOutlined,
  SafetyOutlined,
  KeyOutlined,
  SettingOutlined,
  SolutionOutlined,
  TeamOutlined,
  UserAddOutlined,
  UsergroupAddOutlined,
} from "@ant-design/icons";
import { lazy, type ComponentType, type ReactNode } from "react";
import type { Role } from "../api/types.ts";

/**
 * The console's screens, as data: where each lives, who sees it in the menu, and which API routes it
 * needs. A screen shows up only when the API it needs exists (read from GET /openapi.json), so
 * screens for capabilities still being built (documents, compliance, platform) slot in by adding a
 * row here and their folder under features/.
 */
export interface Screen {
  key: string;
  /** Under /console. */
  path: string;
  nav?: { label: string; icon: ReactNode };
  roles: readonly Role[];
  /** "METHOD /path" entries of the route table this screen cannot work without. */
  requires: readonly string[];
  component: ComponentType;
}

const ClientsPage = lazy(() => import("../features/clients/ClientsPage.tsx"));
const RegisterWizard = lazy(() => import("../features/clients/RegisterWizard.tsx"));
const ClientDetail = lazy(() => import("../features/clients/ClientDetail.tsx"));
const TrailPage = lazy(() => import("../features/trail/TrailPage.tsx"));
const SettingsPage = lazy(() => import("../features/settings/SettingsPage.tsx"));
const OverviewPage = lazy(() => import("../features/overview/OverviewPage.tsx"));
const StaffPage = lazy(() => import("../features/staff/StaffPage.tsx"));
const OffboardingPage = lazy(() => import("../features/staff/OffboardingPage.tsx"));
const PlatformPage = lazy(() => import("../features/platform/PlatformPage.tsx"));
const RequestsPage = lazy(() => import("../features/requests/RequestsPage.tsx"));
const PaperFilesPage = lazy(() => import("../features/paper/PaperFilesPage.tsx"));
const AlertsPage = lazy(() => import("../features/alerts/AlertsPage.tsx"));
const StaffChangesPage = lazy(() => import("../features/staff/StaffChangesPage.tsx"));
const AccessRequestsPage = lazy(() => import("../features/access/AccessRequestsPage.tsx"));

const clientRoles = ["agent", "branch_manager", "compliance_officer"] as const;
const tenantRoles = ["agent", "branch_manager", "compliance_officer", "hq_admin"] as const;

export const screens: readonly Screen[] = [
  { key: "clients", path: "clients", nav: { label: "nav.clients", icon: <TeamOutlined /> }, roles: clientRoles, requires: ["GET /clients"], component: ClientsPage },
  { key: "register", path: "clients/new", nav: { label: "nav.register", icon: <UserAddOutlined /> }, roles: ["agent", "branch_manager"], requires: ["POST /clients", "GET /catalog"], component: RegisterWizard },
  { key: "client", path: "clients/:id", roles: clientRoles, requires: ["GET /clients/{id}"], component: ClientDetail },
  { key: "requests", path: "requests", nav: { label: "nav.requests", icon: <SolutionOutlined /> }, roles: clientRoles, requires: ["GET /requests"], component: RequestsPage },
  { key: "paper", path: "paper-files", nav: { label: "nav.paper", icon: <FolderOpenOutlined /> }, roles: clientRoles, requires: ["GET /paper-files"], component: PaperFilesPage },
  { key: "access-requests", path: "access-requests", nav: { label: "nav.accessRequests", icon: <KeyOutlined /> }, roles: clientRoles, requires: ["GET /access-requests"], component: AccessRequestsPage },
  { key: "overview", path: "overview", nav: { label: "nav.overview", icon: <DashboardOutlined /> }, roles: ["hq_admin", "compliance_officer", "branch_manager"], requires: ["GET /compliance/overview"], component: OverviewPage },
  { key: "staff", path: "staff", nav: { label: "nav.staff", icon: <UsergroupAddOutlined /> }, roles: ["hq_admin", "branch_manager", "compliance_officer"], requires: ["GET /staff"], component: StaffPage },
  { key: "offboarding", path: "staff/:id/offboarding", roles: ["hq_admin", "branch_manager", "compliance_officer"], requires: ["GET /staff/{id}/offboarding"], component: OffboardingPage },
  { key: "staffChanges", path: "staff-changes", nav: { label: "nav.staffChanges", icon: <SafetyOutlined /> }, roles: ["hq_admin", "compliance_officer", "branch_manager"], requires: ["GET /staff-changes"], component: StaffChangesPage },
  { key: "alerts", path: "alerts", nav: { label: "nav.alerts", icon: <AlertOutlined /> }, roles: ["compliance_officer", "hq_admin"], requires: ["GET /alerts"], component: AlertsPage },
  { key: "trail", path: "trail", nav: { label: "nav.trail", icon: <AuditOutlined /> }, roles: tenantRoles, requires: ["GET /audit"], component: TrailPage },
  { key: "platform", path: "platform", nav: { label: "nav.platform", icon: <CloudServerOutlined /> }, roles: ["platform_admin"], requires: ["GET /platform/tenants"], component: PlatformPage },
  { key: "settings", path: "settings", nav: { label: "nav.settings", icon: <SettingOutlined /> }, roles: ["hq_admin", "compliance_officer"], requires: ["GET /settings"], component: SettingsPage },
];

/** The screens a role may open, given the routes the API offers. */
export const availableScreens = (role: Role | undefined, has: (route: string) => boolean) =>
  screens.filter((s) => role && s.roles.includes(role) && s.requires.every(has));

/** The screen each role starts on, when it is available; otherwise the role's first menu screen. */
const preferredHome: Partial<Record<Role, string>> = { agent: "clients", branch_manager: "clients", compliance_officer: "overview", hq_admin: "overview", platform_admin: "platform" };

/** Where a role lands after signing in. */
export const homePath = (role: Role | undefined, has: (route: string) => boolean) => {
  const available = availableScreens(role, has).filter((s) => s.nav);
  const home = available.find((s) => s.key === (role && preferredHome[role])) ?? available[0];
  return home ? `/console/${home.path}` : "/console/welcome";
};

/**
 * Whether a role may open a screen: "forbidden" when the screen exists but is for other roles (the
 * console says so, and who may), "missing" when no such screen or its API is absent.
 */
export function screenAccess(key: string, role: Role | undefined, has: (route: string) => boolean): "open" | "forbidden" | "missing" {
  const screen = screens.find((s) => s.key === key);
  if (!screen || !screen.requires.every(has)) return "missing";
  return role && screen.roles.includes(role) ? "open" : "forbidden";
}

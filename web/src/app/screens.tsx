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
import { roles, type Role } from "@keyhold/core/contract";
import { lazy, type ComponentType, type ReactNode } from "react";

/**
 * The console's screens, as data: where each lives and which API routes it needs. A screen shows up
 * only when the API it needs exists and the signed-in role may call all of it — both read from
 * GET /openapi.json, whose `x-keyhold-roles` is the route table's role gate (no role list here), so
 * screens for capabilities still being built slot in by adding a row here and their folder under features/.
 */
export interface Screen {
  key: string;
  /** Under /console. */
  path: string;
  nav?: { label: string; icon: ReactNode };
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

export const screens: readonly Screen[] = [
  {
    key: "clients",
    path: "clients",
    nav: { label: "nav.clients", icon: <TeamOutlined /> },
    requires: ["GET /clients"],
    component: ClientsPage,
  },
  {
    key: "register",
    path: "clients/new",
    nav: { label: "nav.register", icon: <UserAddOutlined /> },
    requires: ["POST /clients", "GET /catalog"],
    component: RegisterWizard,
  },
  { key: "client", path: "clients/:id", requires: ["GET /clients/{id}"], component: ClientDetail },
  {
    key: "requests",
    path: "requests",
    nav: { label: "nav.requests", icon: <SolutionOutlined /> },
    requires: ["GET /requests"],
    component: RequestsPage,
  },
  {
    key: "paper",
    path: "paper-files",
    nav: { label: "nav.paper", icon: <FolderOpenOutlined /> },
    requires: ["GET /paper-files"],
    component: PaperFilesPage,
  },
  {
    key: "access-requests",
    path: "access-requests",
    nav: { label: "nav.accessRequests", icon: <KeyOutlined /> },
    requires: ["GET /access-requests"],
    component: AccessRequestsPage,
  },
  {
    key: "overview",
    path: "overview",
    nav: { label: "nav.overview", icon: <DashboardOutlined /> },
    requires: ["GET /compliance/overview"],
    component: OverviewPage,
  },
  {
    key: "staff",
    path: "staff",
    nav: { label: "nav.staff", icon: <UsergroupAddOutlined /> },
    requires: ["GET /staff"],
    component: StaffPage,
  },
  {
    key: "offboarding",
    path: "staff/:id/offboarding",
    requires: ["GET /staff/{id}/offboarding"],
    component: OffboardingPage,
  },
  {
    key: "staffChanges",
    path: "staff-changes",
    nav: { label: "nav.staffChanges", icon: <SafetyOutlined /> },
    requires: ["GET /staff-changes"],
    component: StaffChangesPage,
  },
  {
    key: "alerts",
    path: "alerts",
    nav: { label: "nav.alerts", icon: <AlertOutlined /> },
    requires: ["GET /alerts"],
    component: AlertsPage,
  },
  {
    key: "trail",
    path: "trail",
    nav: { label: "nav.trail", icon: <AuditOutlined /> },
    requires: ["GET /audit"],
    component: TrailPage,
  },
  {
    key: "platform",
    path: "platform",
    nav: { label: "nav.platform", icon: <CloudServerOutlined /> },
    requires: ["GET /platform/tenants"],
    component: PlatformPage,
  },
  {
    key: "settings",
    path: "settings",
    nav: { label: "nav.settings", icon: <SettingOutlined /> },
    requires: ["GET /settings"],
    component: SettingsPage,
  },
];

/** Whether a role may call a route ("GET /clients"): `useCapabilities().may`. */
export type May = (role: Role, route: string) => boolean;

/** The screens a role may open: those whose every route the API offers to that role. */
export const availableScreens = (role: Role | undefined, may: May) =>
  screens.filter((s) => role && s.requires.every((r) => may(role, r)));

/** The screen each role starts on, when it is available; otherwise the role's first menu screen. */
const preferredHome: Partial<Record<Role, string>> = {
  agent: "clients",
  branch_manager: "clients",
  compliance_officer: "overview",
  hq_admin: "overview",
  platform_admin: "platform",
};

/** Where a role lands after signing in. */
export const homePath = (role: Role | undefined, may: May) => {
  const available = availableScreens(role, may).filter((s) => s.nav);
  const home = available.find((s) => s.key === (role && preferredHome[role])) ?? available[0];
  return home ? `/console/${home.path}` : "/console/welcome";
};

/** The roles the route table admits to every route a screen needs (who may open it). */
export const screenRoles = (key: string, may: May): Role[] => {
  const screen = screens.find((s) => s.key === key);
  return screen ? roles.filter((role) => screen.requires.every((r) => may(role, r))) : [];
};

/**
 * Whether a role may open a screen: "forbidden" when the screen exists but is for other roles (the
 * console says so, and who may), "missing" when no such screen or its API is absent.
 */
export function screenAccess(
  key: string,
  role: Role | undefined,
  has: (route: string) => boolean,
  may: May,
): "open" | "forbidden" | "missing" {
  const screen = screens.find((s) => s.key === key);
  if (!screen || !screen.requires.every(has)) return "missing";
  return role && screen.requires.every((r) => may(role, r)) ? "open" : "forbidden";
}

import { Suspense } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { useCapabilities } from "../api/queries.ts";
import { useSession } from "../auth/useSession.ts";
import { SignIn } from "../auth/SignIn.tsx";
import { ErrorState, Loading } from "../components/States.tsx";
import { ConsoleLayout } from "./ConsoleLayout.tsx";
import { Forbidden, NotFound, Welcome } from "./Misc.tsx";
import { availableScreens, homePath, screenAccess, screenRoles, screens } from "./screens.tsx";

function RequireSession({ children }: { children: React.ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session) return <Navigate to="/console/sign-in" replace state={{ from: location.pathname }} />;
  return <>{children}</>;
}

function Home() {
  const session = useSession();
  const caps = useCapabilities();
  if (caps.isPending) return <Loading />;
  if (caps.isError) return <ErrorState error={caps.error} onRetry={() => void caps.refetch()} />;
  return <Navigate to={homePath(session?.claims.role, caps.may)} replace />;
}

/** A screen the role may not open says so (无权访问, and who may); one whose API is absent is missing. */
function Guarded({ screenKey }: { screenKey: string }) {
  const session = useSession();
  const caps = useCapabilities();
  if (caps.isPending) return <Loading />;
  const role = session?.claims.role;
  const access = screenAccess(screenKey, role, caps.has, caps.may);
  if (access === "forbidden" && role) return <Forbidden role={role} allowed={screenRoles(screenKey, caps.may)} />;
  const screen = availableScreens(role, caps.may).find((s) => s.key === screenKey);
  if (!screen) return <NotFound />;
  const Component = screen.component;
  return (
    <Suspense fallback={<Loading />}>
      <Component />
    </Suspense>
  );
}

export function ConsoleRoutes() {
  return (
    <Routes>
      <Route path="/" element={<Navigate to="/console" replace />} />
      <Route path="/index.html" element={<Navigate to="/console" replace />} />
      <Route path="/console/sign-in" element={<SignIn />} />
      <Route
        path="/console"
        element={
          <RequireSession>
            <ConsoleLayout />
          </RequireSession>
        }
      >
        <Route index element={<Home />} />
        <Route path="welcome" element={<Welcome />} />
        {screens.map((s) => (
          <Route key={s.key} path={s.path} element={<Guarded screenKey={s.key} />} />
        ))}
        <Route path="*" element={<NotFound />} />
      </Route>
      <Route path="*" element={<Navigate to="/console" replace />} />
    </Routes>
  );
}

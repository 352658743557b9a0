import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

/**
 * The console. `npm start` builds it into web/dist (see ensure-built.mjs) and the local runtime serves
 * it at the same origin as the API. `npm run dev -w @keyhold/web` runs Vite's dev server against a
 * running `npm start` (KEYHOLD_API, default http://127.0.0.1:3000).
 */
const api = process.env.KEYHOLD_API ?? "http://127.0.0.1:3000";
// Every API path prefix of the route table (the console itself lives under /console).
const apiPrefixes = [
  "/local",
  "/clients",
  "/audit",
  "/settings",
  "/catalog",
  "/staff",
  "/documents",
  "/shared",
  "/compliance",
  "/platform",
  "/requests",
  "/paper-files",
  "/access-requests",
  "/branches",
  "/openapi.json",
  "/health",
];

/**
 * `import { LockOutlined } from "@ant-design/icons"` makes Rollup load, transform and tree-shake all
 * ~830 icons and their ~830 SVG definitions to keep a few dozen: about 1,650 of the build's ~3,800
 * modules. Rewriting our own sources' imports to each icon's file (what antd itself does) keeps the
 * bundle the same and the first `npm start` markedly shorter (docs: README, "Console").
 */
function antIconsByFile(): Plugin {
  const barrel = /import\s*\{([^}]*)\}\s*from\s*["']@ant-design\/icons["'];?/g;
  return {
    name: "keyhold-ant-icons-by-file",
    enforce: "pre",
    transform(code, id) {
      if (!/\/web\/src\/.*\.[jt]sx?$/.test(id) || !code.includes("@ant-design/icons")) return null;
      let changed = false;
      const out = code.replace(barrel, (whole, names: string) => {
        const specs = names
          .split(",")
          .map((n) => n.trim())
          .filter(Boolean);
        const parsed = specs.map((spec) => /^(\w+)(?:\s+as\s+(\w+))?$/.exec(spec));
        // Anything but plain icon names (a type, a helper) keeps the barrel import as written.
        if (parsed.some((m) => !m || !/(Outlined|Filled|TwoTone)$/.test(m[1]!))) return whole;
        changed = true;
        return parsed.map((m) => `import ${m![2] ?? m![1]} from "@ant-design/icons/es/icons/${m![1]}.js";`).join(" ");
      });
      return changed ? { code: out, map: null } : null;
    },
  };
}

export default defineConfig({
  plugins: [antIconsByFile(), react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2500,
    rollupOptions: {
      output: {
        manualChunks: (id) => {
          if (id.includes("node_modules/echarts") || id.includes("node_modules/zrender")) return "echarts";
          if (
            id.includes("node_modules/antd") ||
            id.includes("node_modules/@ant-design") ||
            id.includes("node_modules/rc-")
          )
            return "antd";
          return undefined;
        },
      },
    },
  },
  server: { proxy: Object.fromEntries(apiPrefixes.map((p) => [p, { target: api, changeOrigin: false }])) },
});

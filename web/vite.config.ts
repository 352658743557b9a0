import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

/**
 * The console. `npm start` builds it into web/dist (see ensure-built.mjs) and the local runtime serves
 * it at the same origin as the API. `npm run dev -w @keyhold/web` runs Vite's dev server against a
 * running `npm start` (KEYHOLD_API, default http://127.0.0.1:3000).
 */
const api = process.env.KEYHOLD_API ?? "http://127.0.0.1:3000";
// Every API path prefix of the route table (the console itself lives under /console).
const apiPrefixes = ["/local", "/clients", "/audit", "/settings", "/catalog", "/staff", "/documents", "/shared", "/compliance", "/platform", "/requests", "/paper-files", "/access-requests", "/branches", "/openapi.json", "/health"];

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2500,
    rollupOptions: {
      output: {
        manualChunks: (id) => {
          if (id.includes("node_modules/echarts") || id.includes("node_modules/zrender")) return "echarts";
          if (id.includes("node_modules/antd") || id.includes("node_modules/@ant-design") || id.includes("node_modules/rc-")) return "antd";
          return undefined;
        },
      },
    },
  },
  server: { proxy: Object.fromEntries(apiPrefixes.map((p) => [p, { target: api, changeOrigin: false }])) },
});

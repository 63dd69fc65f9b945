import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** Where `npm run dev` sends API calls: an API-only control plane (see README.md). */
const apiTarget = process.env.WRENN_API_URL ?? "http://127.0.0.1:8282";

export default defineConfig({
  base: "/",
  plugins: [react(), tailwindcss()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // xterm and recharts are large; the warning says nothing we can act on.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      "/v1": { target: apiTarget, ws: true, changeOrigin: true },
      "/openapi.json": { target: apiTarget },
    },
  },
});

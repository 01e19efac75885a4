/// <reference types="vitest/config" />
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// The bundle is built into the Python package, which serves it (it is not committed).
export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: "../src/trackrecord/server/ui",
    emptyOutDir: true,
    chunkSizeWarningLimit: 600,
  },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
  test: { environment: "jsdom" },
});

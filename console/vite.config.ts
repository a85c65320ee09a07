import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The server serves the built console at /console/ and proxies nothing: in dev, point
// GATEHOUSE_API at a running server so /v1 calls stay same-origin through the proxy.
const apiTarget = process.env.GATEHOUSE_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    proxy: { '/v1': { target: apiTarget, changeOrigin: false } },
  },
});

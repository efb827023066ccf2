import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Built into the Maven module's classes, so the control plane serves it from its classpath under
// /console/. No inline script or style: the Content-Security-Policy forbids both.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'target/classes/io/liftshift/console/site',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
  },
});

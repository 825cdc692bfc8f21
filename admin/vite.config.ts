import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/** The admin console, built to admin/dist and served by the gateway at /admin (no CDN, no font fetched at run time). */
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: '/admin/',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  logLevel: 'warn',
});

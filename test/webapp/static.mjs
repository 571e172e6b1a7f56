// A static file server for the web app's package, on loopback.
//
// The app is served from its own origin, not Parley's: that is how it is
// deployed, so the browser applies its cross-origin rules (CORS on long
// polling, Origin on WebSocket) exactly as it would for a real user.

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const contentTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.m4a': 'audio/mp4',
};

// serveStatic serves root on 127.0.0.1 at a port the kernel picks and
// resolves to { url, close }.
export function serveStatic(root) {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const rel = normalize(path === '/' ? '/index.html' : decodeURIComponent(path));
    if (rel.includes('..')) {
      res.writeHead(400).end();
      return;
    }
    try {
      const body = await readFile(join(root, rel));
      res.writeHead(200, { 'content-type': contentTypes[extname(rel)] || 'application/octet-stream' });
      res.end(body);
    } catch {
      // firebase-init.js is one: the package leaves push-notification keys to the deployment.
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise(done => {
          server.closeAllConnections();
          server.close(done);
        }),
      });
    });
  });
}

// The content delivery networks that the web app's index.html loads from,
// answered from this folder's npm packages.
//
// The test machine (and CI) reaches no CDN, and the app must run unmodified,
// so the browser's requests to those hosts are intercepted and answered here.
// Each jsDelivr script is served from the npm package of the exact version the
// page asks for; a version mismatch is an error, so an upgrade of the app
// cannot silently run against other versions of React. Every other request to
// a host that is not on loopback is aborted and recorded, so the test can say
// what the app tried to reach.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// jsDelivr answers a `.min.js` that a package does not ship with its own
// minified copy of the `.js`; the same code unminified is served here.
const minifiedByCDN = {
  'react-intl/react-intl.iife.min.js': 'react-intl/react-intl.iife.js',
};

// The Google Fonts styles the page links, as the npm font packages' CSS. Their
// relative font URLs resolve against the fonts host, where fontFile answers them.
const robotoFaces = ['300', '400', '400-italic', '500', '700', '700-italic'];

const contentTypes = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

function typeOf(path) {
  const dot = path.lastIndexOf('.');
  return contentTypes[path.slice(dot)] || 'application/octet-stream';
}

// CDN answers carry CORS headers: the page loads them with crossorigin="anonymous".
function fulfil(route, body, path) {
  return route.fulfill({
    status: 200,
    body,
    headers: { 'content-type': typeOf(path), 'access-control-allow-origin': '*' },
  });
}

// jsdelivrFile maps /npm/<name>@<version>/<file> to node_modules/<name>/<file>.
function jsdelivrFile(modules, pathname) {
  const m = /^\/npm\/((?:@[^/]+\/)?[^@/]+)@([^/]+)\/(.+)$/.exec(pathname);
  if (!m) {
    throw new Error(`unexpected jsDelivr path ${pathname}`);
  }
  const [, name, version, file] = m;
  const installed = JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')).version;
  if (installed !== version) {
    throw new Error(`the app asks for ${name}@${version}; package.json installs ${installed}`);
  }
  const rel = minifiedByCDN[`${name}/${file}`] || `${name}/${file}`;
  return join(modules, rel);
}

function fontsCSS(modules, pathname) {
  if (pathname === '/css') {
    return robotoFaces
      .map(f => readFileSync(join(modules, '@fontsource/roboto', `latin-${f}.css`), 'utf8'))
      .join('\n');
  }
  if (pathname === '/icon') {
    return readFileSync(join(modules, 'material-icons/iconfont/filled.css'), 'utf8');
  }
  return null;
}

function fontFile(modules, pathname) {
  if (pathname.startsWith('/files/')) {
    return join(modules, '@fontsource/roboto', pathname);
  }
  return join(modules, 'material-icons/iconfont', pathname);
}

// routeCDNs installs the interception on a browser context. blocked collects
// the URLs of outside requests that were aborted.
export async function routeCDNs(context, modules, blocked) {
  await context.route('https://cdn.jsdelivr.net/**', route => {
    const path = jsdelivrFile(modules, new URL(route.request().url()).pathname);
    return fulfil(route, readFileSync(path), path);
  });
  await context.route('https://fonts.googleapis.com/**', route => {
    const { pathname } = new URL(route.request().url());
    const css = fontsCSS(modules, pathname);
    if (css !== null) {
      return fulfil(route, css, '.css');
    }
    const path = fontFile(modules, pathname);
    return fulfil(route, readFileSync(path), path);
  });
  // The polyfill service sends each browser only what it lacks; Chromium has
  // Intl.Segmenter, so the answer is an empty script.
  await context.route('https://polyfill-fastly.io/**', route =>
    fulfil(route, '/* Intl.Segmenter is native */\n', '.js'));
  await context.route(url => !isLoopback(url) && !isIntercepted(url), route => {
    blocked.push(route.request().url());
    return route.abort('blockedbyclient');
  });
}

const intercepted = ['cdn.jsdelivr.net', 'fonts.googleapis.com', 'polyfill-fastly.io'];

function isIntercepted(url) {
  return intercepted.includes(url.hostname);
}

function isLoopback(url) {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.protocol === 'data:' ||
    url.protocol === 'blob:';
}

/* Onramp's service worker (served at /sw.js, scope "/").
 *
 * - The shell (CSS, JS, icons) is cached at install and served cache-first.
 * - Pages a candidate reads (home, checklist, courses, lessons, resources, the room,
 *   inbox) are network-first: every visit refreshes the saved copy; offline, the saved
 *   copy is shown (app.js shows the offline banner) or, for a page never opened, a short
 *   offline page.
 * - Signing out (POST /logout) or a signed-out answer empties the page cache: another
 *   person on the same phone never sees this candidate's pages.
 * - POSTs are never cached or replayed here; app.js queues an offline quiz.
 */
"use strict";

const VERSION = "onramp-v1";
const SHELL = VERSION + "-shell";
const PAGES = VERSION + "-pages";
const SHELL_FILES = [
  "/static/css/portal.css",
  "/static/js/app.js",
  "/static/icons/icon-192.png",
  "/favicon.ico",
];
const READABLE = [
  /^\/$/,
  /^\/me$/,
  /^\/checklist$/,
  /^\/learning$/,
  /^\/learning\/courses\/\d+$/,
  /^\/learning\/courses\/\d+\/lessons\/\d+$/,
  /^\/learning\/courses\/\d+\/quiz$/,
  /^\/resources(\/\d+)?$/,
  /^\/rooms(\/\d+)?$/,
  /^\/inbox(\/\d+)?$/,
  /^\/profile$/,
  /^\/rewards$/,
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => !k.startsWith(VERSION)).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

function readable(url) {
  return url.origin === self.location.origin && READABLE.some((re) => re.test(url.pathname));
}

const OFFLINE_PAGE =
  '<!doctype html><html lang="zh-CN"><meta charset="utf-8">' +
  '<meta name="viewport" content="width=device-width, initial-scale=1">' +
  '<link rel="stylesheet" href="/static/css/portal.css"><title>Onramp</title>' +
  '<main><section class="card"><h1>离线 · Offline</h1>' +
  "<p>这个页面还没有保存在手机上，请连上网络后再打开。</p>" +
  "<p lang=\"en\">This page has not been saved on this phone yet. Open it again when you are online.</p>" +
  '<p><a href="/">首页 · Home</a></p></section></main></html>';

async function pageFromNetwork(request) {
  const url = new URL(request.url);
  try {
    const response = await fetch(request);
    if (response.redirected && new URL(response.url).pathname === "/welcome") {
      // Signed out (or the session ended): nothing saved may outlive it.
      await caches.delete(PAGES);
    } else if (response.ok && !response.redirected && readable(url)) {
      await (await caches.open(PAGES)).put(url.pathname + url.search, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await caches.match(url.pathname + url.search, { cacheName: PAGES });
    if (cached) return cached;
    if (request.mode === "navigate") {
      return new Response(OFFLINE_PAGE, {
        status: 503,
        headers: { "Content-Type": "text/html; charset=utf-8" },
      });
    }
    throw error;
  }
}

// Stale-while-revalidate: the saved copy at once, refreshed behind it for the next page.
async function shellFile(event) {
  const request = event.request;
  const cache = await caches.open(SHELL);
  const cached = await cache.match(request);
  const fresh = fetch(request)
    .then((response) => {
      if (response.ok && response.type === "basic") cache.put(request, response.clone());
      return response;
    })
    .catch(() => cached);
  if (cached) {
    event.waitUntil(fresh);
    return cached;
  }
  return fresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/logout") {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== "GET") return;
  if (SHELL_FILES.includes(url.pathname) || /^\/static\/(css|js|icons)\//.test(url.pathname)) {
    event.respondWith(shellFile(event));
  } else if (request.mode === "navigate" || readable(url)) {
    event.respondWith(pageFromNetwork(request));
  }
});

// app.js asks for a course's lessons to be saved when the course page is open.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "save-pages" || !Array.isArray(data.paths)) return;
  const paths = data.paths.filter((p) => readable(new URL(p, self.location.origin))).slice(0, 30);
  event.waitUntil(
    caches.open(PAGES).then((cache) =>
      Promise.all(
        paths.map((path) =>
          fetch(path, { credentials: "same-origin" })
            .then((r) => (r.ok && !r.redirected ? cache.put(path, r) : null))
            .catch(() => null)
        )
      )
    )
  );
});

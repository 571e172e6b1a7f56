// A minimal XMLHttpRequest for Node, just enough for tinode-sdk's long-polling
// transport (`transport: 'lp'`): open / setRequestHeader / send / abort,
// readyState, status, responseText and onreadystatechange.
//
// Two details matter for a faithful test:
//
//  - Requests that carry a body (client messages) go through one keep-alive
//    socket, one at a time, so they reach the server in the order the SDK sent
//    them. Empty-bodied requests (the long polls) use their own agent, so a
//    poll that the server holds open never blocks a send.
//  - In a browser, an exception thrown by onreadystatechange is reported and
//    forgotten; in Node it would kill the process. The SDK's LP sender throws
//    on HTTP >= 400, so handler exceptions are caught and kept in
//    NodeXHR.errors for the tests to assert on, together with network
//    errors of sends.
//
// File transfers (tinode-sdk's LargeFileHelper) need a little more: a
// FormData body (encoded by the platform's Response, as a browser would),
// URLs relative to the page (window.location.origin, which the test sets),
// onload/onerror, and `response` as a Blob when responseType is 'blob'. They
// go through an agent of their own, so an upload never delays a send.
//
// A quirk of tinode-sdk 0.25.3, not of the server: disconnect() aborts only
// the first poll, not the one in flight, so that poll lives on and, once the
// server answers it, the SDK starts another on the URL it has just cleared
// (null). A browser would send that to a relative "null" URL; here it fails
// as a network error (status 0), which ends the SDK's polling, and is not
// counted in NodeXHR.errors.

import http from 'node:http';
import https from 'node:https';

const UNSENT = 0;
const OPENED = 1;
const DONE = 4;

const sendAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const pollAgent = new http.Agent({ keepAlive: true });
const fileAgent = new http.Agent({ keepAlive: false });
// The same pair for https:// (tinode-sdk with secure: true).
const secureSendAgent = new https.Agent({ keepAlive: true, maxSockets: 1 });
const securePollAgent = new https.Agent({ keepAlive: true });

export class NodeXHR {
  /** Exceptions thrown by SDK handlers, and failed requests, in order. */
  static errors = [];

  /** Closes idle keep-alive sockets so the process can exit. */
  static shutdown() {
    for (const agent of [sendAgent, pollAgent, secureSendAgent, securePollAgent]) {
      agent.destroy();
    }
  }

  readyState = UNSENT;
  status = 0;
  statusText = '';
  response = null;
  responseText = '';
  responseType = '';
  onreadystatechange = null;
  onload = null;
  onerror = null;
  onabort = null;
  upload = {};
  #method = 'GET';
  #url = null;
  #headers = {};
  #req = null;
  #aborted = false;

  open(method, url) {
    this.#method = method;
    this.#url = url;
    this.#setState(OPENED);
  }

  setRequestHeader(name, value) {
    this.#headers[name] = String(value);
  }

  send(body) {
    if (typeof FormData !== 'undefined' && body instanceof FormData) {
      this.#sendForm(body);
      return;
    }
    const hasBody = body !== null && body !== undefined && body !== '';
    let url;
    try {
      url = new URL(this.#url, globalThis.window?.location?.origin);
    } catch (err) {
      this.#fail(`bad URL ${this.#url}: ${err.message}`, hasBody);
      return;
    }
    const headers = { ...this.#headers };
    if (hasBody) {
      headers['Content-Type'] ??= 'text/plain;charset=UTF-8';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const secure = url.protocol === 'https:';
    const req = (secure ? https : http).request(url, {
      method: this.#method,
      headers,
      agent: secure ? (hasBody ? secureSendAgent : securePollAgent) : (hasBody ? sendAgent : pollAgent),
    });
    this.#req = req;
    req.on('response', (res) => this.#collect(res));
    req.on('error', (err) => this.#fail(`${this.#method} ${url.pathname}: ${err.message}`, hasBody));
    req.end(hasBody ? body : undefined);
  }

  // #sendForm encodes a FormData body as multipart and sends it.
  async #sendForm(form) {
    const encoded = new Response(form);
    const body = Buffer.from(await encoded.arrayBuffer());
    let url;
    try {
      url = new URL(this.#url, globalThis.window?.location?.origin);
    } catch (err) {
      this.#fail(`bad URL ${this.#url}: ${err.message}`, true);
      return;
    }
    const headers = { ...this.#headers, 'Content-Type': encoded.headers.get('content-type'),
      'Content-Length': body.length };
    const req = http.request(url, { method: this.#method, headers, agent: fileAgent });
    this.#req = req;
    req.on('response', (res) => this.#collect(res));
    req.on('error', (err) => this.#fail(`${this.#method} ${url.pathname}: ${err.message}`, true));
    req.end(body);
  }

  abort() {
    this.#aborted = true;
    if (this.#req) {
      this.#req.destroy();
      this.#req = null;
    }
    this.readyState = UNSENT;
  }

  #collect(res) {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => {
      const buf = Buffer.concat(chunks);
      this.status = res.statusCode;
      this.statusText = res.statusMessage;
      this.responseText = buf.toString('utf8');
      this.response = this.responseType === 'blob'
        ? new Blob([buf], { type: res.headers['content-type'] || '' }) : this.responseText;
      this.#setState(DONE);
      this.#call(this.onload);
    });
    res.on('error', (err) => this.#fail(`response: ${err.message}`, false));
  }

  // #fail ends the request as a network error (status 0); record says
  // whether the tests should see it in NodeXHR.errors.
  #fail(reason, record) {
    if (this.#aborted) {
      return;
    }
    if (record) {
      NodeXHR.errors.push(new Error(`XHR ${reason}`));
    }
    this.status = 0;
    this.responseText = '';
    this.#setState(DONE);
    this.#call(this.onerror, new Error(reason));
  }

  #call(handler, arg) {
    if (typeof handler !== 'function') {
      return;
    }
    try {
      handler.call(this, arg ?? { target: this });
    } catch (err) {
      NodeXHR.errors.push(err);
    }
  }

  #setState(state) {
    if (this.#aborted && state === DONE) {
      return;
    }
    this.readyState = state;
    const handler = this.onreadystatechange;
    if (typeof handler !== 'function') {
      return;
    }
    try {
      handler.call(this, { target: this });
    } catch (err) {
      NodeXHR.errors.push(err);
    }
  }
}

// A tiny browser without JavaScript: a cookie jar, manual redirects and a generic HTML form
// parser (form action/method, input/button/select/textarea name, value, type), enough to
// complete the server-rendered login, TOTP and consent pages the way docs/oauth.md describes.
import assert from 'node:assert/strict';

function decodeEntities(s) {
  return s
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attrs(tag) {
  const out = {};
  const re = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const inner = tag.replace(/^<\s*[a-zA-Z]+/, '').replace(/\/?>$/, '');
  let m;
  while ((m = re.exec(inner))) out[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}

// Every <form> of a page: {action, method, fields: [{tag, type, name, value, checked}]}.
export function parseForms(html) {
  const forms = [];
  const formRe = /<form\b[^>]*>([\s\S]*?)<\/form>/gi;
  let m;
  while ((m = formRe.exec(html))) {
    const open = m[0].match(/^<form\b[^>]*>/i)[0];
    const a = attrs(open);
    const fields = [];
    const ctlRe = /<(input|button|select|textarea)\b[^>]*>/gi;
    let c;
    while ((c = ctlRe.exec(m[1]))) {
      const t = attrs(c[0]);
      const tag = c[1].toLowerCase();
      if (!t.name) continue;
      fields.push({
        tag,
        type: (t.type || (tag === 'button' ? 'submit' : 'text')).toLowerCase(),
        name: t.name,
        value: t.value ?? '',
        checked: 'checked' in t,
      });
    }
    forms.push({ action: a.action ?? '', method: (a.method || 'get').toLowerCase(), fields });
  }
  return forms;
}

export class CookieJar {
  constructor() {
    this.cookies = new Map(); // name -> {value, attrs (lower-cased attribute string)}
  }
  store(res) {
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...rest] = sc.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const attrsLower = rest.map((x) => x.trim().toLowerCase());
      const expired = attrsLower.some((x) => x === 'max-age=0' || x.startsWith('max-age=-'));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, { value, attrs: attrsLower, raw: sc });
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v.value}`).join('; ');
  }
  get(name) {
    return this.cookies.get(name);
  }
}

// Talks to the server's pages the way a browser without JavaScript would.
export class Browser {
  constructor(server) {
    this.server = server;
    this.origin = new URL(server.url).origin;
    this.jar = new CookieJar();
    this.trace = []; // [{method, url, status}] for failure messages
  }

  async request(method, url, body) {
    const headers = { Accept: 'text/html' };
    const cookie = this.jar.header();
    if (cookie) headers['Cookie'] = cookie;
    if (body !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    this.jar.store(res);
    const text = await res.text();
    this.trace.push({ method, url: String(url), status: res.status });
    return { status: res.status, headers: res.headers, text, url: new URL(url) };
  }

  get(url) {
    return this.request('GET', url);
  }

  // Submits `form` (from parseForms) with `values`: {name: value | [values]} override or add
  // fields; checkboxes are sent only when listed in values (or pre-checked and not overridden);
  // submit buttons only when named in values.
  submit(page, form, values = {}) {
    const body = new URLSearchParams();
    const overridden = new Set(Object.keys(values));
    for (const f of form.fields) {
      if (overridden.has(f.name)) continue;
      if (f.type === 'checkbox' || f.type === 'radio') {
        if (f.checked) body.append(f.name, f.value || 'on');
      } else if (f.type === 'submit' || f.type === 'button' || f.type === 'image' || f.type === 'reset') {
        continue;
      } else {
        body.append(f.name, f.value);
      }
    }
    for (const [k, v] of Object.entries(values)) {
      for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
    }
    const action = new URL(form.action || page.url.href, page.url);
    assert.equal(action.origin, this.origin, `form posts off-site: ${action}`);
    return this.request((form.method || 'post').toUpperCase() === 'GET' ? 'GET' : 'POST', action, body.toString());
  }

  // GETs `authorizeUrl`, follows our own redirects and fills in each page's form (login:
  // username/password; TOTP: code; consent: account checkboxes + decision) until a redirect
  // leaves the server (the client's redirect_uri). Returns that URL. Throws (with .page) on a
  // page it cannot continue from: an error page, a 4xx, a TOTP page without `totp`.
  //   totp: a code, or a function returning one (called when the TOTP page shows)
  //   accounts: account ids to tick on the consent page; decision: 'approve' (default) | 'deny'
  //   injectAccounts: account ids to send although the page does not offer them (attacks)
  async followLogin(authorizeUrl, { username, password, totp, accounts = [], injectAccounts = [], decision = 'approve' } = {}) {
    let page = await this.get(authorizeUrl);
    for (let hop = 0; hop < 16; hop++) {
      if (page.status >= 300 && page.status < 400) {
        const loc = page.headers.get('location');
        if (!loc) throw pageError(page, 'redirect without Location', this.trace);
        const next = new URL(loc, page.url);
        if (next.origin !== this.origin) return next;
        page = await this.get(next);
        continue;
      }
      const forms = page.status === 200 ? parseForms(page.text) : [];
      if (forms.length === 0) throw pageError(page, 'no form to continue with', this.trace);
      const form = forms[0];
      const names = new Set(form.fields.map((f) => f.name));
      if (names.has('password')) {
        page = await this.submit(page, form, { username, password });
      } else if (names.has('code')) {
        if (totp === undefined) throw pageError(page, 'TOTP page shown but no totp given', this.trace);
        const code = typeof totp === 'function' ? await totp() : totp;
        page = await this.submit(page, form, { code });
      } else if (names.has('decision') || names.has('account')) {
        const offered = form.fields.filter((f) => f.name === 'account').map((f) => f.value);
        for (const a of accounts) {
          assert.ok(offered.includes(a), `consent page offers accounts ${JSON.stringify(offered)}, not ${a}`);
        }
        page = await this.submit(page, form, { account: [...accounts, ...injectAccounts], decision });
      } else {
        throw pageError(page, `unknown form (fields ${[...names].join(', ')})`, this.trace);
      }
    }
    throw pageError(page, 'too many hops', this.trace);
  }
}

function pageError(page, why, trace) {
  const e = new Error(
    `${why}: ${page.status} at ${page.url}\n  trace: ${trace.map((t) => `${t.method} ${t.url} -> ${t.status}`).join('\n         ')}\n  body: ${page.text.slice(0, 600)}`,
  );
  e.page = page;
  return e;
}


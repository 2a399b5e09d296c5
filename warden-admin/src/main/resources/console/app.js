// The Warden console: the approvals inbox. Every value from the server is set as text (never as
// HTML), every state change carries the session's CSRF token, and nothing is loaded from elsewhere.
'use strict';

let csrf = null;

async function api(path, options) {
  const opts = Object.assign({ credentials: 'same-origin' }, options || {});
  opts.headers = Object.assign({ Accept: 'application/json' }, opts.headers || {});
  if (opts.method && opts.method !== 'GET') {
    opts.headers['X-CSRF-Token'] = csrf;
    opts.headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, opts);
  if (response.status === 401) {
    location.href = '/console/login';
    throw new Error('signed out');
  }
  const body = await response.json();
  if (!response.ok) {
    throw new Error(body.error || 'HTTP ' + response.status);
  }
  return body;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') {
      e.className = v;
    } else {
      e.setAttribute(k, v);
    }
  }
  for (const c of children) {
    e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  }
  return e;
}

function ago(instant) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(instant)) / 1000));
  return s < 120 ? s + ' s' : Math.round(s / 60) + ' min';
}

function votes(r) {
  const yes = r.votes.filter((v) => v.decision === 'approve').length;
  return yes + ' of ' + r.approvalsNeeded + ' approvals' +
    (r.votes.length ? ' (' + r.votes.map((v) => v.approver + ' ' + v.decision).join(', ') + ')' : '');
}

function card(r) {
  const comment = el('textarea', { id: 'comment-' + r.id, required: 'required', placeholder: 'Why (required)' });
  const approve = el('button', { type: 'button', class: 'approve', 'data-id': r.id }, 'Approve');
  const deny = el('button', { type: 'button', class: 'deny', 'data-id': r.id }, 'Deny');
  const decide = async (verdict) => {
    if (!comment.value.trim()) {
      comment.focus();
      return;
    }
    try {
      await api('/console/api/approvals/' + encodeURIComponent(r.id) + '/' + verdict, {
        method: 'POST',
        body: JSON.stringify({ comment: comment.value }),
      });
      await refresh();
    } catch (e) {
      showError(e.message);
    }
  };
  approve.addEventListener('click', () => decide('approve'));
  deny.addEventListener('click', () => decide('deny'));
  const estimate = r.estimate
    ? (r.estimate.rows != null ? '~' + r.estimate.rows + ' rows' : r.estimate.unavailable)
    : '';
  return el(
    'article', { class: 'request', id: 'request-' + r.id },
    el('h3', {}, r.requester + ' on ' + r.connection),
    el('pre', { class: 'sql' }, r.sql),
    el('dl', {},
      el('dt', {}, 'Parameters'), el('dd', {}, r.parameters.length ? r.parameters.join(', ') : 'none'),
      el('dt', {}, 'Held by'), el('dd', {}, r.rule + (r.reason ? ': ' + r.reason : '')),
      el('dt', {}, 'Estimate'), el('dd', {}, estimate || 'not a data change'),
      el('dt', {}, 'Waiting'), el('dd', {}, ago(r.created) + ', expires ' + r.expires),
      el('dt', {}, 'Approvers'), el('dd', {}, r.approvers.join(', ') + '; ' + votes(r)),
      el('dt', {}, 'Request'), el('dd', {}, r.id)),
    comment,
    el('div', { class: 'actions' }, approve, deny));
}

function showError(message) {
  const e = document.getElementById('error');
  e.textContent = message;
  e.hidden = false;
}

async function refresh() {
  const all = (await api('/console/api/approvals?state=all')).approvals;
  const pending = all.filter((r) => r.state === 'pending');
  const requests = document.getElementById('requests');
  // Keep what a person is typing: only cards that came or went change.
  const shown = new Set([...requests.children].map((c) => c.id));
  const wanted = new Set(pending.map((r) => 'request-' + r.id));
  for (const c of [...requests.children]) {
    if (!wanted.has(c.id)) {
      c.remove();
    }
  }
  for (const r of pending) {
    if (!shown.has('request-' + r.id)) {
      requests.append(card(r));
    }
  }
  document.getElementById('empty').hidden = pending.length > 0;
  const filter = document.getElementById('filter').value.toLowerCase();
  const body = document.querySelector('#decided tbody');
  body.replaceChildren(
    ...all
      .filter((r) => r.state !== 'pending')
      .filter((r) => !filter || [r.requester, r.rule, r.sql, r.state].join(' ').toLowerCase().includes(filter))
      .map((r) =>
        el('tr', { id: 'decided-' + r.id },
          el('td', {}, r.id), el('td', {}, r.requester), el('td', { class: 'state' }, r.state),
          el('td', {}, r.rule), el('td', { class: 'sql' }, r.sql), el('td', {}, votes(r)),
          el('td', {}, r.decided || ''))));
}

function cell(text, cls) {
  return el('td', cls ? { class: cls } : {}, text);
}

// Sessions: search, then one session replayed as the client saw it (masked, as the trail keeps it).
async function searchSessions(form) {
  const q = new URLSearchParams();
  for (const [k, v] of new FormData(form)) {
    if (v) {
      q.set(k, v);
    }
  }
  const list = (await api('/console/api/sessions?' + q)).sessions;
  document.querySelector('#session-list tbody').replaceChildren(
    ...list.map((s) => {
      const open = el('button', { type: 'button', class: 'replay', 'data-id': s.id }, 'Replay');
      open.addEventListener('click', () => replay(s.id).catch((e) => showError(e.message)));
      return el('tr', {}, cell(s.id), cell(s.identity), cell(s.connection), cell(s.started),
        cell(s.statements), cell(s.denied), el('td', {}, open));
    }));
}

async function replay(id) {
  const t = await api('/console/api/sessions/' + encodeURIComponent(id));
  const out = document.getElementById('replay');
  const items = t.statements.map((s) => {
    const parts = [
      el('div', {}, s.at + ' — ',
        el('span', { class: 'decision-' + s.decision }, s.decision + ' (' + s.rule + ')'),
        s.reason ? ': ' + s.reason : ''),
      el('pre', { class: 'sql' }, s.sql),
    ];
    if (s.parameters && s.parameters.length) {
      parts.push(el('div', {}, 'parameters: ' + s.parameters.join(', ')));
    }
    if (s.columns) {
      parts.push(el('table', { class: 'result' },
        el('thead', {}, el('tr', {}, ...s.columns.map((c) => el('th', {}, c)))),
        el('tbody', {}, ...(s.result || []).map((row) => el('tr', {}, ...row.map((v) => cell(v == null ? 'NULL' : v)))))));
    }
    const outcome = [];
    if (s.rows != null) {
      outcome.push(s.rows + ' rows');
    }
    if (s.ms != null) {
      outcome.push(s.ms + ' ms');
    }
    if (s.error) {
      outcome.push('error ' + s.error);
    }
    if (outcome.length) {
      parts.push(el('div', {}, outcome.join(', ')));
    }
    return el('div', { class: 'statement' }, ...parts);
  });
  out.replaceChildren(
    el('h2', {}, 'Session ' + t.id),
    el('p', {}, t.identity + ' on ' + t.connection + ' from ' + (t.client || '?') +
      (t.application ? ' (' + t.application + ')' : '') + ', ' + t.started + ' to ' + (t.ended || 'now')),
    ...items);
}

async function whatIf(form) {
  const since = new FormData(form).get('since') || '7d';
  const response = await api('/console/api/policy/what-if?since=' + encodeURIComponent(since), {
    method: 'POST',
    body: document.getElementById('draft').value,
  });
  document.getElementById('whatif-summary').textContent =
    response.statements + ' statements tried, ' + response.changed + ' would change' +
    (response.changed ? ': ' + Object.entries(response.byKind).map(([k, v]) => k + ' ' + v).join(', ') : '');
  document.querySelector('#whatif-changes tbody').replaceChildren(
    ...response.changes.map((c) => el('tr', { class: 'change' },
      cell(c.at), cell(c.identity), cell(c.kind), cell(c.ruleBefore + ' → ' + c.ruleAfter),
      cell([...c.masksAdded.map((m) => '+' + m), ...c.masksRemoved.map((m) => '-' + m)].join(' ')),
      cell(c.sql, 'sql'))));
}

async function refreshGrants() {
  const grants = (await api('/console/api/grants?state=all')).grants;
  document.querySelector('#grant-list tbody').replaceChildren(
    ...grants.map((g) => {
      const revoke = el('button', { type: 'button', class: 'revoke', 'data-id': g.id }, 'Revoke');
      revoke.addEventListener('click', async () => {
        try {
          await api('/console/api/grants/' + encodeURIComponent(g.id) + '/revoke', { method: 'POST', body: '{}' });
          await refreshGrants();
        } catch (e) {
          showError(e.message);
        }
      });
      const live = !g.revoked && Date.parse(g.expires) > Date.now();
      return el('tr', { id: 'grant-' + g.id }, cell(g.id), cell(g.identity || g.group), cell(g.connection),
        cell([...(g.verbs || []), ...(g.classes || [])].join(', ') + ' on ' + (g.objects || []).join(', ')),
        cell(g.reason), cell(g.expires), cell(live ? 'active' : (g.revoked ? 'revoked' : 'expired'), 'state'),
        el('td', {}, live ? revoke : ''));
    }));
}

async function grant(form) {
  const f = new FormData(form);
  const list = (name) => (f.get(name) || '').split(',').map((x) => x.trim()).filter((x) => x);
  await api('/console/api/grants', {
    method: 'POST',
    body: JSON.stringify({
      identity: f.get('identity'), connection: f.get('connection'), verbs: list('verbs'),
      objects: list('objects'), minutes: Number(f.get('minutes')), reason: f.get('reason'),
    }),
  });
  await refreshGrants();
}

// A line diff (longest common subsequence): what a version added and removed.
function diff(before, after) {
  const a = before.split('\n');
  const b = after.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(el('span', {}, '  ' + a[i] + '\n'));
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out.push(el('span', { class: 'added' }, '+ ' + b[j] + '\n'));
      j++;
    } else {
      out.push(el('span', { class: 'removed' }, '- ' + a[i] + '\n'));
      i++;
    }
  }
  return out;
}

async function loadPolicy() {
  const p = await api('/console/api/policy');
  document.getElementById('policy-current').textContent =
    'Version ' + p.version + ' in force (SHA-256 ' + p.sha256.substring(0, 12) + '…)' +
    (p.rejected ? '. The last change was rejected: ' + p.rejected : '');
  const editor = document.getElementById('policy-editor');
  if (!editor.value) {
    editor.value = p.text;
  }
  document.querySelector('#policy-versions tbody').replaceChildren(
    ...p.versions.map((v) => {
      const show = el('button', { type: 'button', class: 'diff-button' },
        v.number > 1 ? 'Diff with ' + (v.number - 1) : 'Show');
      show.addEventListener('click', async () => {
        try {
          const text = (await api('/console/api/policy/versions/' + v.number)).text;
          const before = v.number > 1 ? (await api('/console/api/policy/versions/' + (v.number - 1))).text : '';
          document.getElementById('policy-diff').replaceChildren(...(v.number > 1 ? diff(before, text) : [text]));
        } catch (e) {
          showError(e.message);
        }
      });
      return el('tr', {}, cell(v.number), cell(v.loadedAt), cell(v.sha256.substring(0, 16) + '…'),
        cell(v.source), el('td', {}, show));
    }));
}

async function checkPolicy() {
  const r = await api('/console/api/policy/check', {
    method: 'POST',
    body: document.getElementById('policy-editor').value,
  });
  const result = document.getElementById('policy-result');
  result.className = r.valid ? 'valid' : 'invalid';
  result.textContent = r.valid
    ? 'Valid: ' + r.grants + ' grants, ' + r.rules + ' rules.'
    : (r.line ? 'Line ' + r.line + ': ' : '') + r.error;
}

function show() {
  const page = (location.hash || '#approvals').substring(1);
  for (const section of document.querySelectorAll('section.page')) {
    section.hidden = section.id !== page;
  }
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('current', link.id === 'nav-' + page);
  }
  if (page === 'policy') {
    loadPolicy().catch((e) => showError(e.message));
  }
  if (page === 'grants') {
    refreshGrants().catch((e) => showError(e.message));
  }
  if (page === 'whatif' && !document.getElementById('draft').value) {
    api('/console/api/policy')
      .then((p) => { document.getElementById('draft').value = p.text; })
      .catch((e) => showError(e.message));
  }
}

function on(id, event, action) {
  document.getElementById(id).addEventListener(event, (e) => {
    e.preventDefault();
    action(e.target).catch((err) => showError(err.message));
  });
}

async function start() {
  const me = await api('/console/api/me');
  csrf = me.csrf;
  document.getElementById('me').textContent = me.subject + ' (' + me.roles.join(', ') + ')';
  for (const link of document.querySelectorAll('nav a[data-needs]')) {
    link.hidden = !me.permissions.includes(link.dataset.needs);
  }
  document.getElementById('signout').addEventListener('click', async () => {
    await api('/console/logout', { method: 'POST', body: '{}' });
    location.href = '/console/login';
  });
  document.getElementById('filter').addEventListener('input', () => refresh().catch((e) => showError(e.message)));
  on('session-search', 'submit', searchSessions);
  on('whatif-form', 'submit', whatIf);
  on('grant-form', 'submit', grant);
  document.getElementById('policy-check').addEventListener('click', () =>
    checkPolicy().catch((e) => showError(e.message)));
  document.getElementById('verify').addEventListener('click', async () => {
    try {
      const r = await api('/console/api/audit/verify');
      document.getElementById('verification').textContent = JSON.stringify(r, null, 2);
    } catch (e) {
      document.getElementById('verification').textContent = e.message;
    }
  });
  window.addEventListener('hashchange', show);
  show();
  await refresh();
  // Live: the server says when the inbox changed; a slow poll covers a lost stream.
  const events = new EventSource('/console/api/approvals/events');
  events.addEventListener('approvals', () => refresh().catch((e) => showError(e.message)));
  setInterval(() => refresh().catch((e) => showError(e.message)), 15000);
}

start().catch((e) => showError(e.message));

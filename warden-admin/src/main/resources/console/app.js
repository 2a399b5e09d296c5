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

async function start() {
  const me = await api('/console/api/me');
  csrf = me.csrf;
  document.getElementById('me').textContent = me.subject + ' (' + me.roles.join(', ') + ')';
  document.getElementById('signout').addEventListener('click', async () => {
    await api('/console/logout', { method: 'POST', body: '{}' });
    location.href = '/console/login';
  });
  document.getElementById('filter').addEventListener('input', () => refresh().catch((e) => showError(e.message)));
  await refresh();
  setInterval(() => refresh().catch((e) => showError(e.message)), 2000);
}

start().catch((e) => showError(e.message));

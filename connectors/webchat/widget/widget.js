/*
 * Tributary web chat widget. Embed with:
 *   <script src="https://GATEWAY/webchat/widget.js" data-site="SITE" async></script>
 * Optional, for logged-in users: data-identifier="…" data-identifier-hash="HMAC-SHA256(identifier, site secret)".
 * Plain JavaScript, no dependencies; renders in a shadow root so the page's styles and ours never mix, and sets
 * every text with textContent: nothing a visitor or an agent typed is ever parsed as markup.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.TributaryChat) return;
  var gateway = new URL(script.src, location.href).origin;
  var site = script.getAttribute('data-site') || 'default';
  var identity = script.getAttribute('data-identifier') ? {
    identifier: script.getAttribute('data-identifier'), identifierHash: script.getAttribute('data-identifier-hash') || '',
  } : null;
  var storeKey = 'tributary-chat:' + site;
  var state = { config: null, session: null, open: false, messages: load() };

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey) || '[]'); } catch (e) { return []; }
  }
  function save() {
    try { localStorage.setItem(storeKey, JSON.stringify(state.messages.slice(-200))); } catch (e) { /* private mode */ }
  }

  function call(method, path, body) {
    return fetch(gateway + path + (path.indexOf('?') < 0 ? '?' : '&') + 'site=' + encodeURIComponent(site), {
      method: method, credentials: 'include', headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(Object.assign({ site: site }, body)) : undefined,
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = text ? JSON.parse(text) : {};
        if (!response.ok) { var error = new Error((data.error && data.error.message) || response.status); error.status = response.status; throw error; }
        return data;
      });
    });
  }

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === 'text') node.textContent = attributes[name];
      else if (name.slice(0, 2) === 'on') node.addEventListener(name.slice(2), attributes[name]);
      else node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  var host = el('div', { 'data-tributary-chat': site });
  var root = host.attachShadow({ mode: 'open' });
  root.appendChild(el('style', { text: [
    ':host{all:initial}*{box-sizing:border-box;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}',
    '.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;padding:14px 20px;',
    'background:#2451b7;color:#fff;font-weight:600;cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25)}',
    '.launcher:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #f5b400;outline-offset:2px}',
    '.panel{position:fixed;right:20px;bottom:84px;z-index:2147483000;width:340px;max-width:calc(100vw - 40px);height:460px;',
    'max-height:calc(100vh - 120px);display:flex;flex-direction:column;background:#fff;color:#1b1f24;border-radius:14px;',
    'box-shadow:0 12px 40px rgba(0,0,0,.25);overflow:hidden}',
    '.head{background:#2451b7;color:#fff;padding:14px 16px}.head h2{margin:0;font-size:16px}.head p{margin:4px 0 0;opacity:.9}',
    '.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f5f7fb}',
    '.msg{align-self:flex-end;max-width:80%;background:#2451b7;color:#fff;padding:8px 12px;border-radius:14px 14px 4px 14px;',
    'white-space:pre-wrap;overflow-wrap:anywhere;unicode-bidi:plaintext}',
    '.meta{align-self:flex-end;font-size:12px;color:#5c6470}.failed{background:#b3261e}',
    '.form{display:flex;flex-direction:column;gap:8px;padding:12px 16px}label{display:flex;flex-direction:column;gap:4px;font-weight:600}',
    'input,textarea{border:1px solid #c4cad3;border-radius:8px;padding:8px;font-weight:400;width:100%}',
    '.compose{display:flex;gap:8px;padding:10px;border-top:1px solid #e3e7ee}.compose textarea{resize:none;height:40px}',
    'button.send,button.start{border:0;border-radius:8px;background:#2451b7;color:#fff;padding:8px 14px;font-weight:600;cursor:pointer}',
    '.retry,.link{background:none;border:0;color:#2451b7;text-decoration:underline;cursor:pointer;padding:0}',
    '.foot{padding:6px 12px;font-size:12px;color:#5c6470;border-top:1px solid #e3e7ee}',
  ].join('') }));

  var launcher = el('button', { class: 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'tributary-panel',
    text: 'Chat with us', onclick: function () { toggle(!state.open); } });
  var panel = el('section', { class: 'panel', id: 'tributary-panel', role: 'dialog', 'aria-label': 'Chat', hidden: '' });

  function toggle(open) {
    state.open = open;
    launcher.setAttribute('aria-expanded', String(open));
    launcher.textContent = open ? 'Close chat' : 'Chat with us';
    if (open) { panel.removeAttribute('hidden'); render(); } else panel.setAttribute('hidden', '');
  }

  function render() {
    panel.textContent = '';
    panel.appendChild(el('div', { class: 'head' }, [el('h2', { text: 'Chat' }),
      el('p', { text: (state.config && state.config.greeting) || 'Hi! How can we help?' }),
      state.session && state.session.name ? el('p', { class: 'who', text: 'You are chatting as ' + state.session.name }) : null]));
    var asks = state.config ? state.config.prechat : [];
    if (!state.session && asks.length > 0) return panel.appendChild(prechatForm(asks));
    var log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite' });
    state.messages.forEach(function (message) { log.appendChild(bubble(message)); });
    panel.appendChild(log);
    var input = el('textarea', { 'aria-label': 'Your message', placeholder: 'Write a message…', maxlength: '4000' });
    input.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); submit(); }
    });
    function submit() {
      var text = input.value.trim();
      if (!text) return;
      input.value = '';
      send({ id: newId(), text: text, at: new Date().toISOString(), state: 'sending' });
    }
    panel.appendChild(el('div', { class: 'compose' }, [input, el('button', { class: 'send', type: 'button', text: 'Send', onclick: submit })]));
    if (state.messages.some(function (m) { return m.state === 'sent'; })) {
      panel.appendChild(el('div', { class: 'foot' }, [el('button', { class: 'link', type: 'button', text: 'Unsubscribe from our emails',
        onclick: function (event) {
          var button = event.currentTarget;
          call('POST', '/webchat/unsubscribe', {}).then(function () { button.replaceWith(document.createTextNode('You are unsubscribed from our emails.')); },
            function () { button.textContent = 'Could not unsubscribe; try again'; });
        } })]));
    }
    log.scrollTop = log.scrollHeight;
    input.focus();
  }

  function bubble(message) {
    var meta = message.state === 'failed'
      ? el('span', { class: 'meta' }, [document.createTextNode('Not sent · '),
        el('button', { class: 'retry', type: 'button', text: 'Retry', onclick: function () { send(message); } })])
      : el('span', { class: 'meta', text: message.state === 'sending' ? 'Sending…' : 'Sent' });
    return el('div', { style: 'display:flex;flex-direction:column;gap:2px' },
      [el('div', { class: 'msg' + (message.state === 'failed' ? ' failed' : ''), text: message.text }), meta]);
  }

  function prechatForm(asks) {
    var labels = { name: 'Name', email: 'Email', phone: 'Phone' };
    var types = { name: 'text', email: 'email', phone: 'tel' };
    var inputs = {};
    var form = el('form', { class: 'form', novalidate: '' }, asks.map(function (field) {
      inputs[field] = el('input', { name: field, type: types[field], autocomplete: field === 'phone' ? 'tel' : field });
      return el('label', {}, [document.createTextNode(labels[field]), inputs[field]]);
    }).concat([el('button', { class: 'start', type: 'submit', text: 'Start chat' })]));
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var prechat = {};
      Object.keys(inputs).forEach(function (field) { if (inputs[field].value.trim()) prechat[field] = inputs[field].value.trim(); });
      startSession(prechat).then(render, function () { form.appendChild(el('p', { role: 'alert', text: 'Could not start the chat; try again.' })); });
    });
    return form;
  }

  function startSession(prechat) {
    var body = { timezone: Intl.DateTimeFormat().resolvedOptions().timeZone, language: navigator.language };
    if (prechat) body.prechat = prechat;
    if (identity) { body.identifier = identity.identifier; body.identifierHash = identity.identifierHash; }
    return call('POST', '/webchat/session', body).then(function (session) {
      state.session = session;
      if (session.hidden) { host.remove(); }
      return session;
    });
  }

  function send(message) {
    message.state = 'sending';
    if (state.messages.indexOf(message) < 0) state.messages.push(message);
    save(); render();
    var post = function () { return call('POST', '/webchat/messages', { clientMessageId: message.id, text: message.text }); };
    (state.session ? post() : startSession().then(post)).catch(function (error) {
      // The session is gone (cookie cleared or expired): start a new one and try once more, with the same id.
      if (error.status === 401) return startSession().then(post);
      throw error;
    }).then(function () { message.state = 'sent'; }, function () { message.state = 'failed'; })
      .then(function () { save(); if (state.open) render(); });
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return 'm' + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  call('GET', '/webchat/config').then(function (config) {
    if (config.hidden) return;
    state.config = config;
    if (config.name) state.session = { name: config.name };
    root.appendChild(panel);
    root.appendChild(launcher);
    (document.body || document.documentElement).appendChild(host);
    window.TributaryChat = { open: function () { toggle(true); }, close: function () { toggle(false); } };
  }, function () { /* the chat is unavailable: show nothing rather than a broken button */ });
})();

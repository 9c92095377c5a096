/*
 * durable-stash.js: tells the server that this page is still on screen, so its requests REJOIN
 * the page's views (RECONNECT-scoped fields are recovered) instead of mounting them FRESH.
 *
 * - fetch() and XMLHttpRequest (and so htmx) requests to this page's own origin get the header
 *   "X-Stash-Mounts: 1"; htmx requests also get it through its htmx:configRequest event.
 * - Forms posting to this origin get a hidden "_mounts" field with value 1 when submitted.
 *
 * Include it once, e.g. <script src="/durable-stash.js" defer></script>. No dependencies.
 */
(function () {
  'use strict';
  if (window.__durableStash) {
    return;
  }
  window.__durableStash = true;

  var HEADER = 'X-Stash-Mounts';
  var FIELD = '_mounts';

  function sameOrigin(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }

  // fetch()
  if (typeof window.fetch === 'function') {
    var originalFetch = window.fetch;
    window.fetch = function (input, init) {
      var isRequest = typeof Request !== 'undefined' && input instanceof Request;
      var url = isRequest ? input.url : String(input);
      if (sameOrigin(url)) {
        init = Object.assign({}, init);
        var headers = new Headers(init.headers || (isRequest ? input.headers : undefined));
        if (!headers.has(HEADER)) {
          headers.set(HEADER, '1');
        }
        init.headers = headers;
      }
      return originalFetch.call(this, input, init);
    };
  }

  // XMLHttpRequest (htmx, jQuery, ...)
  var proto = window.XMLHttpRequest && window.XMLHttpRequest.prototype;
  if (proto) {
    var originalOpen = proto.open;
    var originalSetRequestHeader = proto.setRequestHeader;
    var originalSend = proto.send;
    proto.open = function (method, url) {
      this.__stashSameOrigin = sameOrigin(url);
      this.__stashHeaderSet = false;
      return originalOpen.apply(this, arguments);
    };
    proto.setRequestHeader = function (name, value) {
      if (String(name).toLowerCase() === HEADER.toLowerCase()) {
        if (this.__stashHeaderSet) {
          return undefined; // never send "1, 1"
        }
        this.__stashHeaderSet = true;
      }
      return originalSetRequestHeader.apply(this, arguments);
    };
    proto.send = function () {
      if (this.__stashSameOrigin && !this.__stashHeaderSet) {
        this.setRequestHeader(HEADER, '1');
      }
      return originalSend.apply(this, arguments);
    };
  }

  // htmx
  document.addEventListener('htmx:configRequest', function (event) {
    var detail = event.detail;
    if (detail && detail.headers && sameOrigin(detail.path || '')) {
      detail.headers[HEADER] = '1';
    }
  });

  // Plain form submissions
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var action = form.getAttribute('action') || window.location.href;
    if (!sameOrigin(action) || form.querySelector('input[name="' + FIELD + '"]')) {
      return;
    }
    var input = document.createElement('input');
    input.type = 'hidden';
    input.name = FIELD;
    input.value = '1';
    form.appendChild(input);
  }, true);
})();

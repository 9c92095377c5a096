/*
 * durable-stash.js: tells the server that this page is still on screen, so its requests REJOIN
 * the page's views (RECONNECT-scoped fields are recovered) instead of mounting them FRESH.
 *
 * - fetch() and XMLHttpRequest (and so htmx) requests to this page's own origin get the header
 *   "X-Stash-Mounts: 1"; htmx requests also get it through its htmx:configRequest event.
 * - Forms posting to this origin get a hidden "_mounts" field with value 1 when submitted. Origins
 *   are judged as the browser resolves URLs: against the document's base URL, with a submit
 *   button's formaction taking precedence. Nothing is added to a request to another origin. The
 *   form's own action and method count, never a form field named "action" or "method".
 * - With CSRF protection (Spring Security), the same requests carry the CSRF token: from the
 *   <meta name="_csrf" content="..."> and <meta name="_csrf_header" content="X-CSRF-TOKEN"> tags
 *   (and <meta name="_csrf_parameter"> for forms, "_csrf" by default) when the page has them, else
 *   from the XSRF-TOKEN cookie, sent as the X-XSRF-TOKEN header. The token is read at each request,
 *   so a page whose token changes keeps working. A header or field the page set itself is kept.
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

  /** @return {header, parameter, value} of the page's CSRF token, or null when it has none */
  function csrf() {
    var token = document.querySelector('meta[name="_csrf"]');
    var header = document.querySelector('meta[name="_csrf_header"]');
    var parameter = document.querySelector('meta[name="_csrf_parameter"]');
    if (token && token.content && header && header.content) {
      return {
        header: header.content,
        parameter: parameter && parameter.content ? parameter.content : '_csrf',
        value: token.content
      };
    }
    var match = document.cookie.match(/(?:^|;\s*)XSRF-TOKEN=([^;]*)/);
    if (match && match[1]) {
      return { header: 'X-XSRF-TOKEN', parameter: '_csrf', value: decodeURIComponent(match[1]) };
    }
    return null;
  }

  /** Resolves as the browser does: against the document's base URL (a <base href> included). */
  function sameOrigin(url) {
    try {
      return new URL(url, document.baseURI).origin === window.location.origin;
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
        var token = csrf();
        if (token && !headers.has(token.header)) {
          headers.set(token.header, token.value);
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
      this.__stashHeaders = {};
      return originalOpen.apply(this, arguments);
    };
    proto.setRequestHeader = function (name, value) {
      if (this.__stashHeaders) {
        this.__stashHeaders[String(name).toLowerCase()] = true;
      }
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
      var token = this.__stashSameOrigin ? csrf() : null;
      if (token && !(this.__stashHeaders && this.__stashHeaders[token.header.toLowerCase()])) {
        this.setRequestHeader(token.header, token.value);
      }
      return originalSend.apply(this, arguments);
    };
  }

  // htmx
  document.addEventListener('htmx:configRequest', function (event) {
    var detail = event.detail;
    if (detail && detail.headers && sameOrigin(detail.path || '')) {
      detail.headers[HEADER] = '1';
      var token = csrf();
      if (token && !detail.headers[token.header]) {
        detail.headers[token.header] = token.value;
      }
    }
  });

  // Plain form submissions.
  // A form's controls are also named properties of the form that hide its built-in ones (DOM
  // clobbering): with <input name="action">, form.action is that input, not the URL the form posts
  // to. So the form is only ever read and changed through the prototypes' getters and methods: a
  // field's name must neither make a form to another origin look same-origin nor stop the script.
  var formActionOf = Object.getOwnPropertyDescriptor(HTMLFormElement.prototype, 'action').get;
  var formMethodOf = Object.getOwnPropertyDescriptor(HTMLFormElement.prototype, 'method').get;
  var querySelector = Element.prototype.querySelector;
  var querySelectorAll = Element.prototype.querySelectorAll;
  var appendChild = Node.prototype.appendChild;
  var removeChild = Node.prototype.removeChild;

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    // Where and how the browser really submits: a submit button's formaction/formmethod win, and
    // the action getters already resolve against the base URL. A submit button or input has no
    // named properties, so its own getters can be used as they are.
    var submitter = event.submitter;
    var action = submitter && submitter.hasAttribute && submitter.hasAttribute('formaction')
        ? submitter.formAction : formActionOf.call(form);
    var method = submitter && submitter.hasAttribute && submitter.hasAttribute('formmethod')
        ? submitter.formMethod : formMethodOf.call(form);
    if (!sameOrigin(action)) {
      removeAdded(form); // fields this script added for an earlier same-origin submission
      return;
    }
    if (!querySelector.call(form, 'input[name="' + FIELD + '"]')) {
      addHidden(form, FIELD, '1');
    }
    var token = String(method).toLowerCase() === 'post' ? csrf() : null;
    if (token && !querySelector.call(form, 'input[name="' + token.parameter + '"]')) {
      addHidden(form, token.parameter, token.value);
    }
  }, true);

  function addHidden(form, name, value) {
    var input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    input.setAttribute('data-durable-stash', '');
    appendChild.call(form, input);
  }

  function removeAdded(form) {
    var added = querySelectorAll.call(form, 'input[data-durable-stash]');
    for (var i = 0; i < added.length; i++) {
      removeChild.call(added[i].parentNode, added[i]);
    }
  }
})();

// Saves the draft as you type (debounced), one request at a time so that saves arrive in order.
// /durable-stash.js adds "X-Stash-Mounts: 1" to these requests: each save is a rejoin of the view,
// so after a restart of the app the draft is recovered, not cleared.
(() => {
  const form = document.getElementById('draft-form');
  const draft = document.getElementById('draft');
  const status = document.getElementById('draft-status');
  if (!form || !draft || !status) {
    return;
  }
  let timer;
  let queue = Promise.resolve();

  function save() {
    const body = new URLSearchParams({ draft: draft.value });
    status.textContent = 'Saving…';
    queue = queue
      .then(() => fetch(form.action, { method: 'POST', body, headers: { 'HX-Request': 'true' } }))
      .then((response) => {
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        return response.text();
      })
      .then((text) => {
        status.textContent = text;
        if (window.htmx) {
          window.htmx.trigger(document.body, 'stashed'); // refreshes the engine panel
        }
      })
      .catch((error) => { status.textContent = 'Not saved (' + error.message + '); keep typing to retry'; });
  }

  draft.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(save, 300);
  });
})();

import { SANDBOX_INSTITUTIONS } from '../items/institutions';

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** JSON safe to embed inside an inline <script>. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028|\u2029/g, '');

const STYLE = `
  body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
  main { max-width: 26rem; margin: 3rem auto; background: #fff; border-radius: 12px; padding: 1.5rem 2rem; box-shadow: 0 2px 12px #0002; }
  h1 { font-size: 1.2rem; } .muted { color: #666; font-size: .85rem; }
  label { display: block; border: 1px solid #ddd; border-radius: 8px; padding: .6rem .8rem; margin: .5rem 0; cursor: pointer; }
  button { font-size: 1rem; padding: .6rem 1rem; border-radius: 8px; border: 0; margin: 1rem .5rem 0 0; cursor: pointer; }
  #connect { background: #111; color: #fff; } #fail { background: #eee; }
  #result { margin-top: 1rem; font-weight: 600; }`;

/** The hosted Link page: pick a test bank, then Connect or Cancel / fail. No external assets. */
export function renderLinkPage(params: { linkToken: string; clientName: string; nonce: string; completionRedirectUri: string | null }): string {
  const options = SANDBOX_INSTITUTIONS.map(
    (institution, index) => `
      <label><input type="radio" name="institution" value="${escapeHtml(institution.institution_id)}"${index === 0 ? ' checked' : ''}>
        ${escapeHtml(institution.name)} <span class="muted">${escapeHtml(institution.account.name)} ····${escapeHtml(institution.account.mask)}</span></label>`,
  ).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Connect your bank - Sandbox</title><style nonce="${params.nonce}">${STYLE}</style></head>
<body><main>
  <h1>${escapeHtml(params.clientName)} wants to link your bank account</h1>
  <p class="muted">Provider sandbox: choose a test institution. No real credentials are needed.</p>
  <form id="link">${options}
    <button type="submit" id="connect">Connect</button><button type="button" id="fail">Cancel / fail</button>
  </form>
  <p id="result" role="status"></p>
</main>
<script nonce="${params.nonce}">
  (function () {
    var linkToken = ${scriptJson(params.linkToken)};
    var redirect = ${scriptJson(params.completionRedirectUri)};
    var form = document.getElementById('link');
    var result = document.getElementById('result');
    function finish(body) {
      Array.prototype.forEach.call(form.querySelectorAll('button,input'), function (el) { el.disabled = true; });
      result.textContent = 'Working…';
      fetch('/sandbox/link/complete', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (r) {
          if (!r.ok) { result.textContent = 'Error: ' + r.body.error_message; return; }
          result.textContent = body.outcome === 'success' ? 'Bank connected. You can close this window.' : 'Linking cancelled. You can close this window.';
          if (redirect) { window.location.assign(redirect); }
        })
        .catch(function () { result.textContent = 'Network error, please retry.'; });
    }
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var chosen = form.querySelector('input[name=institution]:checked');
      finish({ link_token: linkToken, outcome: 'success', institution_id: chosen ? chosen.value : undefined });
    });
    document.getElementById('fail').addEventListener('click', function () {
      finish({ link_token: linkToken, outcome: 'failure' });
    });
  })();
</script>
</body></html>`;
}

export function renderLinkErrorPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Link unavailable - Sandbox</title></head>
<body><main><h1>This link can no longer be used</h1><p>${escapeHtml(message)}</p></main></body></html>`;
}

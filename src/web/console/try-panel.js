// "Try it through the proxy": Drive files, contacts and Gmail labels, called through the bridge's Google proxy.

import { fileKind, problemOf } from '../words.js';
import { $, el, show } from './dom.js';
import { showProblem } from './notice.js';
import { state } from './state.js';
import { renderUsePanel } from './use-panel.js';

/** The scope each try-it panel needs, shown in the "use it from your app" panel once the panel is used. */
const SERVICE_SCOPE = { drive: 'drive.readonly', people: 'contacts.readonly', gmail: 'gmail.readonly' };

async function tryCall(target, button, service, path, draw) {
  state.lastScopes = [SERVICE_SCOPE[service]];
  renderUsePanel();
  button.disabled = true;
  target.replaceChildren(el('p', { text: 'Loading…' }));
  let result;
  try {
    result = await state.client.googleApi(service, path);
  } catch (error) {
    result = { ok: false, error };
  } finally {
    button.disabled = false;
  }
  if (!result.ok) {
    showProblem(target, problemOf(result.error ?? result), () => tryCall(target, button, service, path, draw));
    return null;
  }
  draw(result.body ?? {});
  return result.body;
}

export async function listDrive(pageToken) {
  const params = new URLSearchParams({ pageSize: '5', fields: 'nextPageToken,files(id,name,mimeType)' });
  if (pageToken) params.set('pageToken', pageToken);
  const target = $('drive-result');
  await tryCall(target, $('drive-list'), 'drive', `drive/v3/files?${params}`, (data) => {
    state.drive.page = pageToken ? state.drive.page + 1 : 1;
    state.drive.next = data.nextPageToken ?? null;
    const files = data.files ?? [];
    target.replaceChildren(
      files.length === 0
        ? el('p', { text: 'No files in this Drive.' })
        : el(
            'ul',
            { class: 'files' },
            ...files.map((f) =>
              el(
                'li',
                {},
                el('span', { text: f.name }),
                ' ',
                el('span', { class: 'kind', text: fileKind(f.mimeType) }),
              ),
            ),
          ),
      el('p', { class: 'meta', text: `Page ${state.drive.page}${state.drive.next ? '' : ', the last one'}` }),
    );
    show('drive-next', Boolean(state.drive.next));
  });
}

export function listContacts() {
  const target = $('contacts-result');
  const params = new URLSearchParams({ personFields: 'names,emailAddresses', pageSize: '10' });
  return tryCall(target, $('contacts-list'), 'people', `v1/people/me/connections?${params}`, (data) => {
    const people = data.connections ?? [];
    target.replaceChildren(
      people.length === 0
        ? el('p', { text: 'No contacts.' })
        : el(
            'ul',
            {},
            ...people.map((p) => {
              const name = p.names?.[0]?.displayName ?? 'Unnamed';
              const email = p.emailAddresses?.[0]?.value;
              // The address on a line of its own when it does not fit, never broken in the middle.
              return email
                ? el('li', {}, el('span', { text: name }), ' ', el('span', { class: 'email', text: email }))
                : el('li', { text: name });
            }),
          ),
      el('p', { class: 'meta', text: `${data.totalPeople ?? people.length} contacts in all` }),
    );
  });
}

export function listLabels() {
  const target = $('gmail-result');
  return tryCall(target, $('gmail-list'), 'gmail', 'gmail/v1/users/me/labels', (data) => {
    const labels = data.labels ?? [];
    target.replaceChildren(
      labels.length === 0
        ? el('p', { text: 'No labels.' })
        : el('ul', {}, ...labels.map((l) => el('li', { text: l.name }))),
    );
  });
}

// The page's status message, and a failed call shown in words next to the button that fixes it.

import { explain } from '../words.js';
import { $, el } from './dom.js';

/** What the buttons in a notice or problem do; `main.js` fills these in (they live in the panels). */
export const fixes = {
  signin: () => {},
  connect: () => {},
  add: (_scopes) => {},
  reconnect: () => {},
  /** Called after a problem that changes the connection (a missing scope, a dead grant) is shown. */
  refreshConnection: () => {},
};

export function notice(text, tone = 'info', action) {
  const box = $('notice');
  box.className = `notice ${tone === 'ok' ? 'ok' : tone === 'bad' ? 'bad' : ''}`;
  $('notice-text').textContent = text;
  const actions = $('notice-actions');
  actions.replaceChildren();
  if (action) actions.append(actionButton(action, () => clearNotice()));
  box.hidden = false;
}

export function clearNotice() {
  $('notice').hidden = true;
}

/** A problem as a notice: its words and the button that fixes it. */
export function noticeProblem(problem) {
  const { text, action } = explain(problem);
  notice(text, 'bad', action);
}

/** A button that performs the fix an error calls for. */
function actionButton(action, retry) {
  return el('button', {
    type: 'button',
    class: 'button primary',
    text: action.label,
    onclick: () => runAction(action, retry),
  });
}

function runAction(action, retry) {
  switch (action.kind) {
    case 'signin':
      fixes.signin();
      break;
    case 'connect':
      fixes.connect();
      break;
    case 'add':
      fixes.add(action.scopes);
      break;
    case 'reconnect':
      fixes.reconnect();
      break;
    case 'retry':
      retry?.();
      break;
  }
}

/**
 * Renders a failed call into `target` as words plus the button that fixes it. A dead grant's fix is the connection
 * card's one Reconnect button (its banner shows once the connection is read again), so none is repeated here.
 */
export function showProblem(target, problem, retry) {
  const { text, action } = explain(problem);
  const box = el('div', { class: 'problem', role: 'alert' }, el('p', { text }));
  if (problem.code === 'reconnect_required') box.append(el('p', { text: 'Use "Reconnect Google" on the card above.' }));
  else if (action) box.append(actionButton(action, retry));
  target.replaceChildren(box);
  if (problem.code === 'reconnect_required' || problem.code === 'scopes_missing' || problem.code === 'not_connected') {
    fixes.refreshConnection();
  }
}

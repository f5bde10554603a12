// Small view helpers the panels share: finding elements, building them, and saying times in words.

export const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
};

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

export function show(id, visible) {
  $(id).hidden = !visible;
}

export function relative(iso) {
  if (!iso) return '—';
  const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  const unit =
    abs < 60
      ? [seconds, 'second']
      : abs < 3600
        ? [Math.round(seconds / 60), 'minute']
        : [Math.round(seconds / 3600), 'hour'];
  return new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(unit[0], unit[1]);
}

export function countdown(iso) {
  const left = Math.floor((Date.parse(iso) - Date.now()) / 1000);
  if (!Number.isFinite(left)) return '—';
  if (left <= 0) return 'Expired (a fresh one is made on the next request)';
  const minutes = Math.floor(left / 60);
  const seconds = left % 60;
  return minutes > 0 ? `in ${minutes} min ${String(seconds).padStart(2, '0')} s` : `in ${seconds} s`;
}

export function mask(token) {
  if (token.length <= 16) return '•'.repeat(token.length);
  return `${token.slice(0, 8)}${'•'.repeat(12)}${token.slice(-4)}`;
}

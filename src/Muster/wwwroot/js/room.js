// The incident room, live: the server sends an event for each change to the incident (ADR 0010);
// the page fetches itself again and swaps in the sections marked data-live. Without this script
// (or without EventSource) the page is the same page, current as of its last load.
(() => {
  const room = document.querySelector('[data-room]');
  if (!room || !('EventSource' in window)) return;
  let timer = 0, busy = false, again = false;

  // A section someone is typing in, or has edited, keeps its own copy until they submit.
  const inUse = (section) =>
    section.contains(document.activeElement) && document.activeElement.matches('input, textarea, select') ||
    [...section.querySelectorAll('input:not([type=hidden]), textarea')].some((e) => e.value !== e.defaultValue);

  const refresh = async () => {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const response = await fetch(location.href, { credentials: 'same-origin', headers: { 'X-Muster-Live': '1' } });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
      for (const section of document.querySelectorAll('[data-live][id]')) {
        const next = fresh.getElementById(section.id);
        if (next && !inUse(section) && next.innerHTML !== section.innerHTML) section.replaceWith(document.importNode(next, true));
      }
      room.dataset.refreshed = String(Number(room.dataset.refreshed || 0) + 1);
    } catch { /* the next event tries again */ } finally {
      busy = false;
      if (again) { again = false; schedule(); }
    }
  };
  const schedule = () => { clearTimeout(timer); timer = setTimeout(refresh, 150); };

  const events = new EventSource(room.dataset.room);
  events.addEventListener('change', schedule);
  events.addEventListener('open', () => room.classList.add('live'));
  events.addEventListener('error', () => room.classList.remove('live'));
})();

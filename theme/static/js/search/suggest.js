// The list under the search box: the site's words whose pinyin initials were typed. page.js
// imports it when three letters are first typed, and gives it what it needs of the page
// (`element`, `show`, `navigate`, `say`: its words, `initials`): it imports nothing, so the
// site ships it as a file of its own, and a search opened by its address (?q=) does not
// fetch its code.

/**
 * The list under the box: the site's words whose pinyin initials were typed (pcq → 平城区),
 * most used first, as a combobox's listbox: the arrow keys walk it, Enter or a click
 * searches the word, Escape closes it; a polite live region says how many there are.
 */
export function suggestionList(view, root, { element, show, navigate, say, initials }) {
  const list = root.querySelector("#search-suggestions");
  const hint = root.querySelector("#search-hint");
  const box = view.box;
  let items = [];
  let active = -1;
  let asked = 0;
  const close = () => {
    [list.hidden, items, active] = [true, [], -1];
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
  };
  const choose = (word) => navigate(view, { q: word });
  const mark = (i) => {
    active = i;
    items.forEach((item, k) => item.setAttribute("aria-selected", String(k === i)));
    box.setAttribute("aria-activedescendant", items[i].id);
  };
  const suggest = async () => {
    const mine = ++asked;
    const typed = box.value.trim();
    const words = initials.test(typed) ? await view.index.suggest(typed).catch(() => []) : [];
    if (mine !== asked) return;
    close();
    show(hint, ...(words.length ? say(view, "choices", words.length) : []));
    if (!words.length) return;
    items = words.map((word, i) => {
      const item = element("li", { role: "option", id: `search-suggestion-${i}` }, word);
      item.setAttribute("aria-selected", "false");
      item.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
      item.addEventListener("click", () => choose(word));
      return item;
    });
    show(list, ...items);
    list.hidden = false;
    box.setAttribute("aria-expanded", "true");
  };
  box.addEventListener("input", suggest);
  box.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      event.stopPropagation(); // not the walk through the results (onKey)
      mark((active + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(items[active].textContent);
    } else if (event.key === "Escape") {
      close();
    }
  });
  // Closed by a search: a suggestion still on its way is dropped too.
  return { close: () => close(++asked), suggest };
}

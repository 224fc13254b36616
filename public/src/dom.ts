/** The few DOM helpers the page needs: look an element up by id, and build one with text. */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

/** An element with a class and text content; text is never parsed as HTML. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = ""): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

export function show(id: string, visible: boolean): void {
  byId(id).hidden = !visible;
}

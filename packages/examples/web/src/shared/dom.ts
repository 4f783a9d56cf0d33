/** A new element with a class and optional text: the page is built with plain DOM calls. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className !== '') e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The element the page's HTML must contain; a missing one is a bug in index.html, said plainly. */
export function required<T extends Element>(root: ParentNode, selector: string, type: { new (): T; prototype: T }): T {
  const found = root.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`playground: index.html has no ${type.name} matching '${selector}'`);
  return found;
}

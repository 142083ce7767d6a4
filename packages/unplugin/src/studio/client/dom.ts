/// <reference lib="dom" />

type Child = Node | string | number | null | undefined | false
type Attributes = Record<string, string | number | boolean | null | undefined | EventListener>

/**
 * `h('button', { class: 'primary', onclick }, 'Save')`: an element with attributes (`on…`
 * functions become listeners, `false`/`null` leave the attribute out) and children, text
 * children as text nodes: nothing from the database is ever parsed as HTML.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  apply(element, attributes, children)
  return element
}

const SVG = 'http://www.w3.org/2000/svg'

/** The same for SVG elements. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag)
  apply(element, attributes, children)
  return element
}

function apply(element: Element, attributes: Attributes, children: Child[]): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value)
    else if (value === true) element.setAttribute(name, '')
    else if (value !== false && value !== null && value !== undefined) {
      element.setAttribute(name, String(value))
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    element.append(typeof child === 'object' ? child : String(child))
  }
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren()
  apply(parent, {}, children)
}

/** Vite's own "open in editor" endpoint, at a file's line. */
export function editorLink(path: string, line: number | null, text: string): HTMLAnchorElement {
  const target = line === null ? path : `${path}:${line}`
  const link = h(
    'a',
    { href: `/__open-in-editor?file=${encodeURIComponent(target)}`, title: target },
    text,
  )
  link.addEventListener('click', (event) => {
    event.preventDefault()
    void fetch(link.href)
  })
  return link
}

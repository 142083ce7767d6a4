import type { CommentRow, PostRow, UserRow } from 'virtual:fluentorm/models'

export type PostWithRelations = PostRow & {
  readonly author: UserRow | null
  readonly comments: readonly CommentRow[]
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The whole blog page: the new-post form, then every post with its author and comment count. */
/** Every column of the author's row, whatever the schema holds now: a new column shows here. */
function renderAuthor(author: UserRow | null): string {
  if (author === null) return ''
  const fields = Object.entries(author).map(
    ([column, value]) =>
      `<dt>${escapeHtml(column)}</dt><dd data-column="${escapeHtml(column)}">${escapeHtml(value instanceof Date ? value.toISOString() : String(value ?? '—'))}</dd>`,
  )
  return `<h2>The author</h2>\n    <dl class="author-row">${fields.join('')}</dl>`
}

export function renderPage(
  posts: readonly PostWithRelations[],
  author: UserRow | null,
  backend: string,
): string {
  const items = posts.map(
    (post) => `
      <li data-post-id="${escapeHtml(post.id)}">
        <h2>${escapeHtml(post.title)}</h2>
        ${post.summary === null ? '' : `<p>${escapeHtml(post.summary)}</p>`}
        <p class="meta">by <span class="author">${escapeHtml(post.author?.name ?? 'unknown')}</span>
          · <span class="comments">${post.comments.length} comment${post.comments.length === 1 ? '' : 's'}</span></p>
        <form method="post" action="/posts/${encodeURIComponent(post.id)}/delete">
          <button type="submit">Delete</button>
        </form>
      </li>`,
  )
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>fluentorm playground</title>
    <style>
      body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
      form.new-post { display: grid; gap: 0.5rem; margin-bottom: 2rem; }
      li { margin-bottom: 1rem; } .meta { color: #555; }
      dl.author-row { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
    </style>
  </head>
  <body>
    <h1>The fluentorm blog</h1>
    <p>Running on ${escapeHtml(backend)}. Edit <code>schemas/</code> and watch the terminal.</p>
    <form class="new-post" method="post" action="/posts">
      <input name="title" placeholder="Title" required />
      <textarea name="summary" placeholder="Summary (optional)"></textarea>
      <button type="submit">Publish</button>
    </form>
    <ul class="posts">${items.join('') || '<li class="empty">No posts yet.</li>'}</ul>
    ${renderAuthor(author)}
  </body>
</html>
`
}

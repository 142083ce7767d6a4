/** The candidate nearest to a misspelt name (at most two edits away), for "did you mean" hints. */
export function closestName(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null
  let bestDistance = 3
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** "Did you mean 'x'? Known: a, b, c." or just the known list. */
export function suggestName(name: string, candidates: readonly string[], what: string): string {
  const closest = closestName(name, candidates)
  const known =
    candidates.length === 0
      ? `There are no ${what}.`
      : `${capital(what)}: ${candidates.join(', ')}.`
  return closest === null ? known : `Did you mean '${closest}'? ${known}`
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

// NODE_EXTRA_CA_CERTS for function code. Node reads that variable once, when the process starts, so a function
// given it in its environment would not see it: a worker thread is not a new process, and inline functions share
// the runner's. The hosts apply it themselves with tls.setDefaultCACertificates, which acts on the calling thread:
// the function's own thread (thread isolation), or the runner's thread (inline isolation, where every inline
// function then trusts the file, as they share one thread).

import { readFileSync } from 'node:fs'
import { getCACertificates, setDefaultCACertificates } from 'node:tls'

const applied = new Set<string>()

/** Adds the certificates of `file` (PEM) to this thread's default trusted CAs, once per file. */
export function trustExtraCaCertificates(file: string | undefined): void {
  if (!file || applied.has(file)) return
  // As Node does at start: a missing or unreadable file is a warning, not a failure of the function.
  let pem: string
  try {
    pem = readFileSync(file, 'utf8')
  } catch (error) {
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(error as Error).message}`)
    return
  }
  const certificates = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
  setDefaultCACertificates([...getCACertificates('default'), ...certificates])
  applied.add(file)
}

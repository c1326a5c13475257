/** Collects unhandled promise rejections while installed; `stop()` removes the listener and returns them. */
export const trackUnhandledRejections = (): { readonly seen: unknown[]; stop: () => unknown[] } => {
  const seen: unknown[] = []
  const listener = (reason: unknown): void => {
    seen.push(reason)
  }
  process.on('unhandledRejection', listener)
  return {
    seen,
    stop: () => {
      process.off('unhandledRejection', listener)
      return seen
    },
  }
}

// A hint to the processor to start loading the cache line holding `p` (a read, kept in every
// cache level). It changes no value: a wrong or needless hint costs only memory bandwidth.
static inline void tsx_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

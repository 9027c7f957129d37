#ifndef TSX_CLINUXSCHED_H
#define TSX_CLINUXSCHED_H
#include <stdint.h>

// CPU affinity of single threads. glibc declares sched_setaffinity and gettid only under
// _GNU_SOURCE, which Swift's Glibc module is not built with: these wrappers are. Masks are
// TSX_CPU_WORDS words of 64 bits, CPU n being bit n % 64 of word n / 64 (the kernel's layout).
// Elsewhere than Linux every call fails with ENOSYS.
#define TSX_CPU_WORDS 16

/// The calling thread's kernel id (what /proc/self/task lists).
int tsx_gettid(void);
/// Sets thread `tid`'s CPU mask; 0, or the errno.
int tsx_set_affinity(int tid, const uint64_t *words);
/// Reads thread `tid`'s CPU mask into `words` (TSX_CPU_WORDS of them); 0, or the errno.
int tsx_get_affinity(int tid, uint64_t *words);
/// Names the calling thread for the kernel (ps, top -H, /proc): the first 15 bytes; 0, or the error.
int tsx_set_thread_name(const char *name);
/// The flag that makes a thread's real-time policy not pass to the threads it starts (glibc
/// defines SCHED_RESET_ON_FORK under _GNU_SOURCE only; the kernel's value since 2.6.32).
#define TSX_SCHED_RESET_ON_FORK 0x40000000

/// A hint to the processor that the caller is spinning on a lock (x86 `pause`, Arm `yield`).
static inline void tsx_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif

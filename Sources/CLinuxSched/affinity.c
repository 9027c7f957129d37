#define _GNU_SOURCE
#include "CLinuxSched.h"
#include <errno.h>

#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

_Static_assert(sizeof(cpu_set_t) == TSX_CPU_WORDS * sizeof(uint64_t), "cpu_set_t is 1024 bits");

int tsx_gettid(void) { return (int)syscall(SYS_gettid); }

int tsx_set_affinity(int tid, const uint64_t *words) {
    cpu_set_t set;
    memcpy(&set, words, sizeof set);
    return sched_setaffinity(tid, sizeof set, &set) == 0 ? 0 : errno;
}

int tsx_set_thread_name(const char *name) {
    char cut[16];
    strncpy(cut, name, sizeof cut - 1);
    cut[sizeof cut - 1] = 0;
    return pthread_setname_np(pthread_self(), cut);
}

int tsx_get_affinity(int tid, uint64_t *words) {
    cpu_set_t set;
    if (sched_getaffinity(tid, sizeof set, &set) != 0) return errno;
    memcpy(words, &set, sizeof set);
    return 0;
}
#else
int tsx_gettid(void) { return -1; }
int tsx_set_affinity(int tid, const uint64_t *words) { (void)tid; (void)words; return ENOSYS; }
int tsx_get_affinity(int tid, uint64_t *words) { (void)tid; (void)words; return ENOSYS; }
int tsx_set_thread_name(const char *name) { (void)name; return ENOSYS; }
#endif

#include "FuzzAllocations.h"
#include <sanitizer/allocator_interface.h>

static int watching;
static size_t largest;
static int installed;

static void on_malloc(const volatile void *ptr, size_t size) {
    (void)ptr;
    if (watching && size > largest) largest = size;
}

static void on_free(const volatile void *ptr) { (void)ptr; }

void fuzz_allocations_begin(void) {
    if (!installed) { __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free); installed = 1; }
    largest = 0;
    watching = 1;
}

size_t fuzz_allocations_end(void) {
    watching = 0;
    return largest;
}

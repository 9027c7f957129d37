#include <stddef.h>

/// Starts recording the largest single allocation (through the address sanitizer's malloc hook).
void fuzz_allocations_begin(void);
/// Stops recording; returns the largest allocation, in bytes, since `fuzz_allocations_begin`.
size_t fuzz_allocations_end(void);

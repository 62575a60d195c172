/*
 * heap.h - one call that makes the heap cheaper to grow for tools that build
 * large JSON trees (many small allocations).
 *
 * Why: a tool like pp-align spends most of its run in first-touch page
 * faults of the heap (about 3,000 for a 2,400-note performance). A minor
 * fault costs 0.2-0.5 us on bare metal but 10-11 us on the virtual
 * machines we measure on, where it was 60 % of the run. Asking the kernel
 * for transparent huge pages on the heap (what glibc does itself under
 * GLIBC_TUNABLES=glibc.malloc.hugetlb=1) turns 512 faults into one.
 */
#ifndef PP_HEAP_H
#define PP_HEAP_H

#include <stddef.h>

/* Grows the heap by at least BYTES in one step and asks for huge pages on
 * it (madvise MADV_HUGEPAGE). Pages are still only used when touched. A
 * no-op where the system has no such thing; never fails. */
void pp_heap_reserve(size_t bytes);

#endif

/*
 * heap.c - see heap.h.
 */
#include "heap.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE ((uintptr_t)2 << 20)

void pp_heap_reserve(size_t bytes)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
	void *probe;
	uintptr_t lo, hi;

	/* Each growth of the heap takes BYTES more at once, and the heap is
	 * not given back in small steps at each free. */
	mallopt(M_TOP_PAD, (int)bytes);
	mallopt(M_TRIM_THRESHOLD, (int)bytes);
	/* Grow it now: a block too big for the current top, kept on the heap
	 * (below the mmap threshold), then freed. */
	mallopt(M_MMAP_THRESHOLD, (int)(HUGE_PAGE * 2));
	probe = malloc(HUGE_PAGE);
	lo = ((uintptr_t)probe + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	hi = (uintptr_t)sbrk(0) & ~(HUGE_PAGE - 1);
	if (probe && hi > lo)
		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
	free(probe);
#else
	(void)bytes;
#endif
}

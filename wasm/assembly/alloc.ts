// A bump allocator over linear memory. Blocks are never freed one by one:
// callers reuse their regions and grow them geometrically, so the memory in
// use is bounded by about twice the high-water mark. No managed objects.

let top: usize = 0;

/** Allocates `size` bytes aligned to 16; returns 0 when memory cannot grow. */
export function alloc(size: usize): usize {
  if (top == 0) top = (__heap_base + 15) & ~(<usize>15);
  if (size > 0x7ff00000) return 0;
  const p = top;
  const end = (p + size + 15) & ~(<usize>15);
  if (end < p) return 0;
  const pages = <i32>((end + 0xffff) >>> 16);
  const have = memory.size();
  if (pages > have) {
    if (memory.grow(pages - have) < 0) return 0;
  }
  top = end;
  return p;
}

/**
 * Makes a block of `oldSize` bytes at `old` at least `newSize` bytes long,
 * keeping the first `keep` bytes. Extends in place when the block is the last
 * one allocated. Returns the block (maybe moved) or 0.
 */
export function realloc(old: usize, oldSize: usize, newSize: usize, keep: usize): usize {
  if (old != 0 && ((old + oldSize + 15) & ~(<usize>15)) == top) {
    top = old;
    const p = alloc(newSize);
    if (p == 0) {
      top = (old + oldSize + 15) & ~(<usize>15);
      return 0;
    }
    return p;
  }
  const p = alloc(newSize);
  if (p != 0 && keep != 0) memory.copy(p, old, keep);
  return p;
}

/** Bytes of linear memory currently in use by the allocator. */
export function heapTop(): usize {
  return top;
}

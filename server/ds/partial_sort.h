// PartialQuicksort: Bentley & McIlroy's quicksort ("Engineering a Sort
// Function", 1993: median of three or ninther pivot, three-way partition
// with the equal keys swapped to the ends, insertion sort below 7
// elements) that skips the partitions lying wholly outside a range of
// positions.
//
// Afterwards the positions [lo, hi] hold the elements a full sort would put
// there; the rest is partitioned around them. Redis sorts a GEOSEARCH
// ... COUNT n result this way (its pqsort), and the order of elements that
// compare equal (two members at the same distance) is whatever this
// algorithm leaves, so it is reproduced step for step: same pivots, same
// swaps. Not stable.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>

namespace replikv {

namespace partial_sort_internal {

// cmp(a, b) < 0, == 0 or > 0 as a < b, a == b, a > b.
template <typename T, typename Cmp>
T* Med3(T* a, T* b, T* c, Cmp& cmp) {
  return cmp(*a, *b) < 0 ? (cmp(*b, *c) < 0 ? b : (cmp(*a, *c) < 0 ? c : a))
                         : (cmp(*b, *c) > 0 ? b : (cmp(*a, *c) < 0 ? a : c));
}

template <typename T>
void VecSwap(T* a, T* b, std::ptrdiff_t n) {
  for (std::ptrdiff_t i = 0; i < n; ++i) std::swap(a[i], b[i]);
}

template <typename T, typename Cmp>
void InsertionSort(T* a, std::ptrdiff_t n, Cmp& cmp) {
  for (std::ptrdiff_t m = 1; m < n; ++m) {
    for (std::ptrdiff_t l = m; l > 0 && cmp(a[l - 1], a[l]) > 0; --l) std::swap(a[l], a[l - 1]);
  }
}

// Sorts a[0, n), where a starts at position `at` of the whole array.
template <typename T, typename Cmp>
void Sort(T* a, std::ptrdiff_t n, std::ptrdiff_t at, Cmp& cmp, std::ptrdiff_t lo, std::ptrdiff_t hi) {
  // Each pass either returns or continues on a strictly smaller partition.
  for (;;) {
    if (n < 7) return InsertionSort(a, n, cmp);
    T* pm = a + n / 2;
    if (n > 7) {
      T* pl = a;
      T* pn = a + n - 1;
      if (n > 40) {
        const std::ptrdiff_t d = n / 8;
        pl = Med3(pl, pl + d, pl + 2 * d, cmp);
        pm = Med3(pm - d, pm, pm + d, cmp);
        pn = Med3(pn - 2 * d, pn - d, pn, cmp);
      }
      pm = Med3(pl, pm, pn, cmp);
    }
    std::swap(*a, *pm);
    T *pa = a + 1, *pb = a + 1;
    T *pc = a + n - 1, *pd = a + n - 1;
    // No switch to insertion sort when nothing moved (the original paper's
    // shortcut, quadratic on some inputs): Redis 7.0's pqsort has none.
    for (;;) {
      int r;
      while (pb <= pc && (r = cmp(*pb, *a)) <= 0) {
        if (r == 0) {
          std::swap(*pa, *pb);
          ++pa;
        }
        ++pb;
      }
      while (pb <= pc && (r = cmp(*pc, *a)) >= 0) {
        if (r == 0) {
          std::swap(*pc, *pd);
          --pd;
        }
        --pc;
      }
      if (pb > pc) break;
      std::swap(*pb, *pc);
      ++pb;
      --pc;
    }

    T* pn = a + n;
    std::ptrdiff_t r = std::min(pa - a, pb - pa);
    VecSwap(a, pb - r, r);
    r = std::min(pd - pc, pn - pd - 1);
    VecSwap(pb, pn - r, r);
    // The partitions of smaller and of greater elements; one recursion, one
    // iteration, each only when it overlaps [lo, hi].
    r = pb - pa;
    if (r > 1 && !(hi < at || lo >= at + r)) Sort(a, r, at, cmp, lo, hi);
    r = pd - pc;
    if (r <= 1) return;
    at += (pn - r) - a;
    a = pn - r;
    n = r;
    if (hi < at || lo >= at + r) return;
  }
}

}  // namespace partial_sort_internal

// Sorts a[0, n) enough that positions [lo, hi] (hi < n) are final; `cmp`
// returns an int as qsort's comparators do.
template <typename T, typename Cmp>
void PartialQuicksort(T* a, size_t n, Cmp cmp, size_t lo, size_t hi) {
  partial_sort_internal::Sort(a, static_cast<std::ptrdiff_t>(n), 0, cmp, static_cast<std::ptrdiff_t>(lo),
                              static_cast<std::ptrdiff_t>(hi));
}

}  // namespace replikv

#ifndef QNSIM_SIM_QUAD_HEAP_H
#define QNSIM_SIM_QUAD_HEAP_H

// The 4-ary min-heap steps of the general Scheduler's event queue (the network's EventQueue was a
// second user until it became a radix heap):
// entries are small values kept in the array itself, ordered by a strict total order `less`
// (unique keys, so any order of comparisons finds the same minimum and runs are reproducible).

#include <cstddef>
#include <vector>

namespace qnsim {
namespace quad_heap {

constexpr size_t kArity = 4;

// Index of the smallest child of the node at `index` in a heap of n entries (n when it has none).
template <typename T, typename Less>
inline size_t smallest_child(const T *h, size_t index, size_t n, Less less) {
    const size_t first = kArity * index + 1;
    if (first >= n) return n;
    if (first + kArity <= n) {
        // Full node: a tournament of two independent pairs, which the CPU can overlap. The winners
        // are picked by arithmetic, not branches: which child wins is a coin toss to the predictor.
        const size_t x = first + static_cast<size_t>(less(h[first + 1], h[first]));
        const size_t y = first + 2 + static_cast<size_t>(less(h[first + 3], h[first + 2]));
        const size_t y_wins = -static_cast<size_t>(less(h[y], h[x]));
        return x ^ ((x ^ y) & y_wins);
    }
    size_t best = first;
    for (size_t c = first + 1; c < n; ++c) best = less(h[c], h[best]) ? c : best;
    return best;
}

// Places `entry` at the hole `index`, moving it up past larger parents.
template <typename T, typename Less>
inline void sift_up(T *h, size_t index, const T entry, Less less) {
    while (index > 0) {
        const size_t parent = (index - 1) / kArity;
        if (!less(entry, h[parent])) break;
        h[index] = h[parent];
        index = parent;
    }
    h[index] = entry;
}

template <typename T, typename Less>
inline void push(std::vector<T> &heap, const T entry, Less less) {
    heap.push_back(entry);
    sift_up(heap.data(), heap.size() - 1, entry, less);
}

// Removes the root by bottom-up deletion (Floyd): the hole walks down to a leaf along the smallest
// children, then the former last entry, usually late (it was pushed at a leaf), sifts up from there;
// each level costs one comparison less than the textbook sift-down.
template <typename T, typename Less>
inline void pop_root(std::vector<T> &heap, Less less) {
    const T last = heap.back();
    heap.pop_back();
    const size_t n = heap.size();
    if (n == 0) return;
    T *h = heap.data();
    size_t index = 0;
    for (size_t best; (best = smallest_child(h, index, n, less)) < n; index = best) h[index] = h[best];
    sift_up(h, index, last, less);
}

// Places `entry` at the hole `index` of a heap of n entries, moving it down past smaller children.
template <typename T, typename Less>
inline void sift_down(T *h, size_t n, size_t index, const T entry, Less less) {
    for (size_t best; (best = smallest_child(h, index, n, less)) < n && less(h[best], entry); index = best) {
        h[index] = h[best];
    }
    h[index] = entry;
}

// Replaces the root (already taken out: a hole) with `entry`: one walk down instead of pop_root
// and push.
template <typename T, typename Less>
inline void replace_root(std::vector<T> &heap, const T entry, Less less) {
    sift_down(heap.data(), heap.size(), 0, entry, less);
}

// Makes a heap of any array in O(n) (Floyd): each internal node sifted down, last first.
template <typename T, typename Less>
inline void make_heap(std::vector<T> &heap, Less less) {
    const size_t n = heap.size();
    if (n < 2) return;
    for (size_t start = (n - 2) / kArity + 1; start-- > 0;) sift_down(heap.data(), n, start, heap[start], less);
}

}  // namespace quad_heap
}  // namespace qnsim

#endif

//! One small sort for the model's few sorts off the hot path. The standard library's sorts are fast
//! but large, and each element type gets its own copy: a few kilobytes each in the page's download.
//! Heapsort is O(n log n), needs no memory, and is deterministic (though not stable).

/// Sorts `v` so that no element is `less` than one before it.
pub fn sort_by<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    heapsort(&mut Slice { v, less });
}

/// What heapsort needs of a sequence. Behind `dyn`, one copy of the algorithm serves every element
/// type; each type adds only its two small methods.
trait Heap {
    fn len(&self) -> usize;
    fn less(&self, i: usize, j: usize) -> bool;
    fn swap(&mut self, i: usize, j: usize);
}

struct Slice<'a, T, F> {
    v: &'a mut [T],
    less: F,
}

impl<T, F: Fn(&T, &T) -> bool> Heap for Slice<'_, T, F> {
    fn len(&self) -> usize {
        self.v.len()
    }
    fn less(&self, i: usize, j: usize) -> bool {
        (self.less)(&self.v[i], &self.v[j])
    }
    fn swap(&mut self, i: usize, j: usize) {
        self.v.swap(i, j)
    }
}

fn heapsort(h: &mut dyn Heap) {
    fn sift(h: &mut dyn Heap, mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                break;
            }
            if child + 1 < end && h.less(child, child + 1) {
                child += 1;
            }
            if !h.less(root, child) {
                break;
            }
            h.swap(root, child);
            root = child;
        }
    }
    let n = h.len();
    for i in (0..n / 2).rev() {
        sift(h, i, n);
    }
    for end in (1..n).rev() {
        h.swap(0, end);
        sift(h, 0, end);
    }
}

/// Sorts `v` by `key`.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(v, |a, b| key(a) < key(b));
}

/// Sorts `v` in its natural order.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, |a, b| a < b);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_library() {
        let mut x: u64 = 7;
        for n in [0, 1, 2, 3, 10, 257] {
            let mut v: Vec<u64> = (0..n)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    x >> 58
                })
                .collect();
            let mut want = v.clone();
            want.sort();
            sort(&mut v);
            assert_eq!(v, want);
            sort_by_key(&mut v, |&a| std::cmp::Reverse(a));
            want.reverse();
            assert_eq!(v, want);
        }
    }
}

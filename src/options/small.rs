//! Storage that keeps a few items inline and moves to the heap when it outgrows them,
//! so that decoding a small packet into a fresh [`Packet`](crate::Packet) allocates
//! nothing: an allocation and its free cost more than parsing a packet with a few
//! options.

use std::ops::{Deref, DerefMut};

/// Up to `N` items inline, then a `Vec`. Once on the heap it stays there, so a packet
/// reused with `decode_from` keeps its capacity.
#[derive(Clone)]
pub(crate) enum Small<T: Copy + Default, const N: usize> {
    Inline { len: usize, items: [T; N] },
    Heap(Vec<T>),
}

impl<T: Copy + Default, const N: usize> Default for Small<T, N> {
    #[inline]
    fn default() -> Self {
        Small::Inline {
            len: 0,
            items: [T::default(); N],
        }
    }
}

impl<T: Copy + Default, const N: usize> Small<T, N> {
    /// Room for `capacity` items: inline when they fit.
    #[inline]
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        if capacity <= N {
            Self::default()
        } else {
            Small::Heap(Vec::with_capacity(capacity))
        }
    }

    /// The items as a `Vec`, moving them to the heap first if they are inline.
    #[inline]
    pub(crate) fn vec_mut(&mut self) -> &mut Vec<T> {
        match self {
            Small::Heap(vec) => vec,
            Small::Inline { .. } => self.spill(0),
        }
    }

    /// Moves inline items to the heap, with room for `additional` more.
    #[cold]
    #[inline(never)]
    fn spill(&mut self, additional: usize) -> &mut Vec<T> {
        if let Small::Inline { len, items } = self {
            let mut vec = Vec::with_capacity((2 * N).max(*len + additional));
            vec.extend_from_slice(&items[..*len]);
            *self = Small::Heap(vec);
        }
        match self {
            Small::Heap(vec) => vec,
            Small::Inline { .. } => unreachable!("moved to the heap above"),
        }
    }

    /// Makes room for `additional` more items.
    #[inline]
    pub(crate) fn reserve(&mut self, additional: usize) {
        match self {
            Small::Heap(vec) => vec.reserve(additional),
            Small::Inline { len, .. } if *len + additional <= N => {}
            Small::Inline { .. } => {
                self.spill(additional);
            }
        }
    }

    #[inline]
    pub(crate) fn extend_from_slice(&mut self, more: &[T]) {
        match self {
            Small::Heap(vec) => vec.extend_from_slice(more),
            Small::Inline { len, items } if *len + more.len() <= N => {
                items[*len..*len + more.len()].copy_from_slice(more);
                *len += more.len();
            }
            Small::Inline { .. } => self.spill(more.len()).extend_from_slice(more),
        }
    }

    /// Empties the storage, keeping a heap buffer's capacity.
    pub(crate) fn clear(&mut self) {
        match self {
            Small::Inline { len, .. } => *len = 0,
            Small::Heap(vec) => vec.clear(),
        }
    }
}

impl<T: Copy + Default, const N: usize> Deref for Small<T, N> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            Small::Inline { len, items } => &items[..*len],
            Small::Heap(vec) => vec,
        }
    }
}

impl<T: Copy + Default, const N: usize> DerefMut for Small<T, N> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            Small::Inline { len, items } => &mut items[..*len],
            Small::Heap(vec) => vec,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Small;

    #[test]
    fn spills_to_the_heap_keeping_order_and_stays_there() {
        let mut small: Small<u8, 4> = Small::default();
        small.extend_from_slice(&[1, 2]);
        small.extend_from_slice(&[3, 4]);
        assert!(matches!(small, Small::Inline { .. }));
        small.extend_from_slice(&[5]);
        assert!(matches!(small, Small::Heap(_)));
        assert_eq!(&small[..], &[1, 2, 3, 4, 5]);
        small.clear();
        assert!(matches!(small, Small::Heap(_)));
        assert!(small.is_empty());
    }

    #[test]
    fn reserve_and_vec_mut_work_inline() {
        let mut small: Small<u8, 8> = Small::with_capacity(3);
        small.extend_from_slice(&[5, 6, 7]);
        small.reserve(5);
        assert!(matches!(small, Small::Inline { .. }));
        small.vec_mut().push(2);
        assert_eq!(&small[..], &[5, 6, 7, 2]);
        small.reserve(100);
        assert!(matches!(small, Small::Heap(_)));
    }
}

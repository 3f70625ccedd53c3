//! libbpf 1.7.0's `btf__distill_base` on [`LibbpfBtf`], the oracle of the distill differential
//! tests.
//!
//! libbpf returns two new objects: a distilled base and a split BTF over it that does not own it.
//! The wrapper gives the base back in an [`Arc`] that the split also holds (so the base is freed
//! after the split), and the two share a new family lock. The source is only read.

use std::ptr;
use std::sync::{Arc, Mutex};

use libbpf_sys as sys;

use super::LibbpfBtf;

impl LibbpfBtf {
    /// `btf__distill_base(self, &new_base, &new_split)`: `(new_base, new_split)` with
    /// `new_split.base()` being `new_base`, or the positive errno libbpf returned (`EINVAL` for a
    /// non-split source or a reference to a base FUNC/VAR/DATASEC/DECL_TAG).
    pub fn distill_base(&self) -> Result<(Arc<LibbpfBtf>, LibbpfBtf), i32> {
        let mut new_base: *mut sys::btf = ptr::null_mut();
        let mut new_split: *mut sys::btf = ptr::null_mut();
        let ret = {
            let _guard = self.guard();
            // SAFETY: `self.ptr` (and its base, if any) is live and its family locked; libbpf
            // only reads the source (types, strings, header fields) and writes the two
            // out-pointers, which are valid for writes. On failure it frees what it made and
            // leaves them untouched.
            unsafe { sys::btf__distill_base(self.ptr.as_ptr(), &mut new_base, &mut new_split) }
        };
        if ret != 0 {
            return Err(-ret);
        }
        if new_base.is_null() || new_split.is_null() {
            // Not reachable with libbpf 1.7.0 (success sets both); free whatever came back.
            for p in [new_split, new_base] {
                if !p.is_null() {
                    // SAFETY: a non-NULL object returned to us by libbpf and owned by nobody
                    // else; the split (freed first) does not own its base.
                    unsafe { sys::btf__free(p) };
                }
            }
            return Err(libc::EINVAL);
        }
        let lock: Arc<Mutex<()>> = Arc::default();
        // `wrap` cannot fail on the non-NULL pointers checked above. The split holds a clone of
        // the base `Arc`, so the base is freed after it.
        let base = Arc::new(LibbpfBtf::wrap(new_base, None, Arc::clone(&lock))?);
        let split = LibbpfBtf::wrap(new_split, Some(Arc::clone(&base)), lock)?;
        Ok((base, split))
    }
}

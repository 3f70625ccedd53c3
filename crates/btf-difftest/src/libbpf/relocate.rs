//! libbpf 1.7.0's `btf__relocate` on [`LibbpfBtf`], the oracle of the relocation differential
//! tests.
//!
//! Relocation rewrites the split object in place and, on success, repoints it at the new base.
//! The wrapper therefore consumes the split: on success it comes back holding the new base's
//! [`Arc`] and family lock; on failure libbpf may have left it half rewritten, so it is freed and
//! only the errno is returned.

use std::sync::Arc;

use libbpf_sys as sys;

use super::LibbpfBtf;

impl LibbpfBtf {
    /// `btf__relocate(self, base)`: `self` must be split over a distilled base (e.g. from
    /// [`LibbpfBtf::distill_base`] or parsed over one). Returns the relocated object, split over
    /// `base`, or the positive errno libbpf returned. A `self` without a base gives `EINVAL`
    /// without calling libbpf (libbpf 1.7.0 would dereference NULL).
    ///
    /// Call it on an object whose `raw_data` was never read: libbpf does not drop the cached raw
    /// bytes of a modifiable object when relocating, so a later `raw_data` would return stale data.
    pub fn relocate(mut self, base: &Arc<LibbpfBtf>) -> Result<LibbpfBtf, i32> {
        if self.base.is_none() {
            return Err(libc::EINVAL);
        }
        let ret = {
            let _own = self.guard();
            let _new = base.guard();
            // SAFETY: both objects are live and both families locked (distinct families: the new
            // base is not in `self`'s chain, whose only other member is its distilled base). libbpf
            // reads the new base and rewrites `self`'s own type records in place; no borrowed view
            // into `self` exists (we own it by value). On success `self` points at `base`, which
            // the returned wrapper keeps alive.
            unsafe { sys::btf__relocate(self.ptr.as_ptr(), base.as_ptr()) }
        };
        if ret != 0 {
            return Err(-ret);
        }
        // `self` no longer refers to its distilled base; it now lives in `base`'s family.
        self.base = Some(Arc::clone(base));
        self.lock = Arc::clone(&base.lock);
        Ok(self)
    }
}

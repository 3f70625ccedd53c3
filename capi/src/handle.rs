//! `struct btf` as C sees it: an opaque handle owning one [`btf_core::Btf`] (shared with the split
//! BTFs built over it), the handle it is split over, a kernel fd, and the cached raw bytes that
//! `btf__raw_data` hands out.

use std::ffi::c_int;
use std::sync::Arc;

use btf_core::{Btf, Endianness, RaceOnce};

/// The opaque `struct btf` of libbpf's API.
#[allow(non_camel_case_types)]
pub struct btf {
    /// Shared with splits built over this handle; changed copy-on-write.
    core: Arc<Btf>,
    /// What `btf__base_btf` returns: the caller's base handle, or `owned_base`.
    base: *const btf,
    /// A distilled base read from `.BTF.base`, freed with this handle. After `btf__relocate` it is
    /// no longer `base` (libbpf then stops owning it, and leaks it), but it stays alive here until
    /// this handle is freed: the caller may still hold the pointer `btf__base_btf` returned.
    owned_base: Option<Box<btf>>,
    /// The kernel object fd after `btf__load_into_kernel`, or -1.
    pub(crate) fd: c_int,
    /// Bytes handed out by `btf__raw_data`: valid until the next modification.
    raw: RawCache,
}

/// The raw bytes `btf__raw_data` handed out, one buffer per byte order as libbpf keeps them: a
/// modification drops both; a switch to native order drops the foreign-order one, a switch to the
/// foreign order keeps the native one valid. Built without a lock (`btf__raw_data` takes a const
/// handle and may race with itself): no `fork()` can inherit a held lock.
#[derive(Debug, Default)]
struct RawCache {
    native: RaceOnce<Box<[u8]>>,
    foreign: RaceOnce<Box<[u8]>>,
}

impl std::fmt::Debug for btf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("btf")
            .field("type_cnt", &self.core.type_cnt())
            .field("fd", &self.fd)
            .finish()
    }
}

impl btf {
    /// A handle for `core`, split over `base` (a live handle, or null).
    pub(crate) fn new(core: Btf, base: *const btf) -> Box<btf> {
        btf::new_shared(Arc::new(core), base)
    }

    /// A handle sharing `core` with others (a distilled base its split also holds).
    pub(crate) fn new_shared(core: Arc<Btf>, base: *const btf) -> Box<btf> {
        Box::new(btf {
            core,
            base,
            owned_base: None,
            fd: -1,
            raw: RawCache::default(),
        })
    }

    /// A handle for split BTF that owns its (distilled) base.
    pub(crate) fn with_owned_base(core: Btf, base: Box<btf>) -> Box<btf> {
        let mut handle = btf::new(core, std::ptr::null());
        handle.base = &*base;
        handle.owned_base = Some(base);
        handle
    }

    pub(crate) fn core(&self) -> &Btf {
        &self.core
    }

    /// The shared core, for building a split over this handle.
    pub(crate) fn shared(&self) -> Arc<Btf> {
        Arc::clone(&self.core)
    }

    /// The core for modification; drops the cached raw bytes (libbpf invalidates them too).
    pub(crate) fn core_mut(&mut self) -> &mut Btf {
        self.drop_raw_cache();
        Arc::make_mut(&mut self.core)
    }

    /// Sets the byte order `btf__raw_data` writes. The content does not change, so bytes already
    /// handed out in native order stay valid (libbpf's contract); foreign-order ones go when
    /// switching back to native.
    pub(crate) fn set_endianness(&mut self, endianness: Endianness) {
        if endianness == Endianness::native() {
            self.raw.foreign = RaceOnce::new();
        }
        // A setting, not content: changed in place, so splits sharing this core see it (libbpf).
        self.core.set_endianness(endianness);
    }

    pub(crate) fn base(&self) -> *const btf {
        self.base
    }

    /// Relocates this split BTF onto `base_handle` (a live handle whose core is `base_core`): on
    /// success `base()` is `base_handle`. A distilled base this handle owns is kept, unused, until
    /// the handle is freed (see `owned_base`).
    pub(crate) fn relocate(
        &mut self,
        base_handle: *const btf,
        base_core: Arc<Btf>,
    ) -> btf_core::Result<()> {
        self.core_mut().relocate(base_core)?;
        self.base = base_handle;
        Ok(())
    }

    /// Start and length of the raw bytes in the object's byte order, built once until the next
    /// modification.
    pub(crate) fn raw_data(&self) -> (*const u8, usize) {
        let endianness = self.core.endianness();
        let slot = if endianness == Endianness::native() {
            &self.raw.native
        } else {
            &self.raw.foreign
        };
        let bytes = slot.get_or_init(|| {
            self.core
                .raw_data_in(endianness)
                .into_owned()
                .into_boxed_slice()
        });
        (bytes.as_ptr(), bytes.len())
    }

    /// Forgets every cached raw buffer, as libbpf does on any modification.
    pub(crate) fn drop_raw_cache(&mut self) {
        self.raw = RawCache::default();
    }
}

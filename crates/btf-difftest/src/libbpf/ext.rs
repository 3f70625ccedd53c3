//! libbpf 1.7.0's `struct btf_ext` (`btf_ext__new`, `btf_ext__raw_data`, `btf_ext__endianness`,
//! `btf_ext__set_endianness`, `btf_ext__free`), the oracle of the `.BTF.ext` differential tests.
//!
//! A [`LibbpfBtfExt`] owns one `struct btf_ext *` and frees it on drop. `btf_ext__raw_data`
//! fills a cache inside the object, so it takes `&mut self`; the wrapper is neither `Send` nor
//! `Sync` (each test thread makes its own).

use std::path::Path;
use std::ptr::{self, NonNull};

use libbpf_sys as sys;

use super::{errno, path_to_cstring, set_errno};

/// A `struct btf_ext` made by real libbpf 1.7.0.
pub struct LibbpfBtfExt {
    ptr: NonNull<sys::btf_ext>,
}

impl LibbpfBtfExt {
    /// `btf_ext__new(data, len)`: the object, or the positive errno libbpf set (`EINVAL`,
    /// `ENOTSUP`, …). Inputs longer than 4 GiB are refused with `E2BIG` without calling libbpf.
    pub fn new(data: &[u8]) -> Result<Self, i32> {
        let size = u32::try_from(data.len()).map_err(|_| libc::E2BIG)?;
        set_errno(0);
        // SAFETY: `data` is valid for `size` reads (a non-null pointer even when empty); libbpf
        // copies it and keeps no pointer into it.
        let p = unsafe { sys::btf_ext__new(data.as_ptr(), size) };
        NonNull::new(p)
            .map(|ptr| LibbpfBtfExt { ptr })
            .ok_or_else(errno)
    }

    /// `btf__parse_elf(path, &btf_ext)`: the `btf_ext` libbpf filled in (`None`: NULL), or the
    /// positive errno when the parse failed. The BTF itself is freed at once.
    pub fn parse_elf(path: &Path) -> Result<Option<Self>, i32> {
        let c_path = path_to_cstring(path)?;
        let mut ext: *mut sys::btf_ext = ptr::null_mut();
        set_errno(0);
        // SAFETY: a valid C string and a writable out-pointer; libbpf sets `ext` to an object it
        // allocated or to NULL. The returned BTF is ours and freed here.
        let btf = unsafe { sys::btf__parse_elf(c_path.as_ptr(), &mut ext) };
        if btf.is_null() {
            return Err(errno());
        }
        // SAFETY: a live object returned above and used by nothing else.
        unsafe { sys::btf__free(btf) };
        Ok(NonNull::new(ext).map(|ptr| LibbpfBtfExt { ptr }))
    }

    /// `btf_ext__raw_data`: the bytes in the object's current byte order (a copy).
    pub fn raw_data(&mut self) -> Vec<u8> {
        let mut size: u32 = 0;
        // SAFETY: a live object; `size` is valid for writes. libbpf returns its own buffer of
        // `size` bytes (or NULL on allocation failure), valid until the next call that changes
        // the byte order or frees the object; it is copied before either can happen.
        unsafe {
            let p = sys::btf_ext__raw_data(self.ptr.as_ptr(), &mut size);
            if p.is_null() {
                return Vec::new();
            }
            std::slice::from_raw_parts(p.cast::<u8>(), size as usize).to_vec()
        }
    }

    /// `btf_ext__endianness`: `true` for big-endian.
    pub fn is_big_endian(&self) -> bool {
        // SAFETY: a live object, only read.
        unsafe { sys::btf_ext__endianness(self.ptr.as_ptr()) == sys::BTF_BIG_ENDIAN }
    }

    /// `btf_ext__set_endianness`: libbpf's return value (0, or `-EINVAL` for an unknown value).
    pub fn set_endianness(&mut self, big: bool) -> i32 {
        let e = if big {
            sys::BTF_BIG_ENDIAN
        } else {
            sys::BTF_LITTLE_ENDIAN
        };
        // SAFETY: a live object, owned by `self`.
        unsafe { sys::btf_ext__set_endianness(self.ptr.as_ptr(), e) }
    }
}

/// A `struct btf` made and freed within one oracle call.
struct OwnedBtf(NonNull<sys::btf>);

impl OwnedBtf {
    /// `btf__new(data)`, or the positive errno.
    fn new(data: &[u8]) -> Result<Self, i32> {
        let size = u32::try_from(data.len()).map_err(|_| libc::E2BIG)?;
        set_errno(0);
        // SAFETY: `data` is readable for `size` bytes; libbpf copies them.
        let p = unsafe { sys::btf__new(data.as_ptr().cast(), size) };
        NonNull::new(p).map(OwnedBtf).ok_or_else(errno)
    }

    /// `btf__raw_data` (a copy).
    fn raw_data(&self) -> Vec<u8> {
        let mut size: u32 = 0;
        // SAFETY: a live object; libbpf returns its own buffer of `size` bytes, valid until the
        // object changes or is freed, and copied at once.
        unsafe {
            let p = sys::btf__raw_data(self.0.as_ptr(), &mut size);
            if p.is_null() {
                return Vec::new();
            }
            std::slice::from_raw_parts(p.cast::<u8>(), size as usize).to_vec()
        }
    }
}

impl Drop for OwnedBtf {
    fn drop(&mut self) {
        // SAFETY: made by a libbpf constructor, freed once, here.
        unsafe { sys::btf__free(self.0.as_ptr()) }
    }
}

/// Stack of the thread libbpf dedups on (its type-graph walk recurses).
const DEDUP_STACK: usize = 64 << 20;

/// `btf__dedup(btf, &{ .btf_ext = ext })` on a thread with a large stack: 0 or a negative errno.
fn dedup_raw(btf: &OwnedBtf, ext: *mut sys::btf_ext) -> i32 {
    let (btf, ext) = (btf.0.as_ptr() as usize, ext as usize);
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("libbpf-dedup-ext".into())
            .stack_size(DEDUP_STACK)
            .spawn_scoped(scope, move || {
                let opts = sys::btf_dedup_opts {
                    sz: std::mem::size_of::<sys::btf_dedup_opts>() as _,
                    btf_ext: ext as *mut sys::btf_ext,
                    ..Default::default()
                };
                // SAFETY: both objects are live (the caller holds them for the whole scope and
                // does nothing else with them meanwhile); the options are complete.
                unsafe { sys::btf__dedup(btf as *mut sys::btf, &opts) }
            })
            .expect("spawn the libbpf dedup thread")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

impl LibbpfBtfExt {
    /// `btf__parse_elf(path, &btf_ext)`, then `btf__dedup` of that BTF with `opts.btf_ext` set
    /// to that `btf_ext`: libbpf's return value (0 or a negative errno), `btf__raw_data`
    /// afterwards, and the `btf_ext` (read it with [`LibbpfBtfExt::raw_data`]); `Err(errno)`
    /// when the parse fails or the file has no `.BTF.ext`.
    pub fn parse_elf_and_dedup(path: &Path) -> Result<(i32, Vec<u8>, Self), i32> {
        let c_path = path_to_cstring(path)?;
        let mut ext: *mut sys::btf_ext = ptr::null_mut();
        set_errno(0);
        // SAFETY: a valid C string and a writable out-pointer.
        let btf = unsafe { sys::btf__parse_elf(c_path.as_ptr(), &mut ext) };
        let btf = NonNull::new(btf).map(OwnedBtf).ok_or_else(errno)?;
        let ext = NonNull::new(ext)
            .map(|ptr| LibbpfBtfExt { ptr })
            .ok_or(libc::ENOENT)?;
        let ret = dedup_raw(&btf, ext.ptr.as_ptr());
        Ok((ret, btf.raw_data(), ext))
    }

    /// `btf__new(btf)`, then `btf__dedup` with `opts.btf_ext` set to this object: libbpf's
    /// return value (0 or a negative errno) and `btf__raw_data` afterwards (after a failure,
    /// whatever libbpf left); `Err(errno)` when libbpf cannot parse `btf`.
    pub fn dedup_with(&mut self, btf: &[u8]) -> Result<(i32, Vec<u8>), i32> {
        let btf = OwnedBtf::new(btf)?;
        let ret = dedup_raw(&btf, self.ptr.as_ptr());
        Ok((ret, btf.raw_data()))
    }

    /// `btf__new(btf)`, then `btf__permute(btf, id_map, id_map.len(), &{ .btf_ext = this })`:
    /// libbpf's return value and `btf__raw_data` afterwards; `Err(errno)` when libbpf cannot
    /// parse `btf`. `id_map` must have the length libbpf expects (`btf__type_cnt`): libbpf reads
    /// `id_map[0]` before checking the count.
    pub fn permute_with(&mut self, btf: &[u8], id_map: &mut [u32]) -> Result<(i32, Vec<u8>), i32> {
        let btf = OwnedBtf::new(btf)?;
        // SAFETY: a live object.
        let type_cnt = unsafe { sys::btf__type_cnt(btf.0.as_ptr()) };
        assert_eq!(id_map.len(), type_cnt as usize, "id_map length");
        let opts = sys::btf_permute_opts {
            sz: std::mem::size_of::<sys::btf_permute_opts>() as _,
            btf_ext: self.ptr.as_ptr(),
        };
        // SAFETY: both objects are live; `id_map` holds `type_cnt` entries; the options are
        // complete.
        let ret =
            unsafe { sys::btf__permute(btf.0.as_ptr(), id_map.as_mut_ptr(), type_cnt, &opts) };
        Ok((ret, btf.raw_data()))
    }
}

impl std::fmt::Debug for LibbpfBtfExt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibbpfBtfExt")
            .field("ptr", &self.ptr)
            .finish()
    }
}

impl Drop for LibbpfBtfExt {
    fn drop(&mut self) {
        // SAFETY: the object came from `btf_ext__new` and is freed once, here.
        unsafe { sys::btf_ext__free(self.ptr.as_ptr()) }
    }
}

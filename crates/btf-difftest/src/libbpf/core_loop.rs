//! libbpf 1.7.0's CO-RE resolution of every relocation of one object against one target BTF, as
//! `bpftool gen min_core_btf` records an object: the C shim `csrc/core_shim.c` keeps one candidate
//! cache per call and runs `bpf_core_add_cands` (once per local type) and
//! `bpf_core_calc_relo_insn` (per record) in `.BTF.ext` order. The object's BTF and `.BTF.ext`
//! are parsed once ([`LibbpfCoreObject::parse`]), so a caller can time the resolution alone.

use std::ffi::c_long;
use std::path::Path;
use std::ptr::{self, NonNull};

use libbpf_sys as sys;

use super::{LibbpfBtf, errno, path_to_cstring, set_errno};

/// What libbpf resolved one record to (the shim's `struct core_shim_outcome`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CoreShimOutcome {
    /// `bpf_core_calc_relo_insn`'s return value: 0 or a negative errno.
    pub err: i32,
    /// `targ_res.poison`.
    pub poison: u32,
    /// `targ_res.new_val`.
    pub new_val: u64,
    /// The target spec's root type id (0 when nothing matched).
    pub targ_root: u32,
    /// The record's relocation kind.
    pub kind: u32,
}

unsafe extern "C" {
    fn core_shim_parse(path: *const std::ffi::c_char, ext: *mut *mut sys::btf_ext)
    -> *mut sys::btf;
    fn core_shim_resolve_all(
        local: *const sys::btf,
        ext: *const sys::btf_ext,
        targ: *const sys::btf,
        out: *mut CoreShimOutcome,
        cap: usize,
        total: *mut usize,
    ) -> c_long;
}

/// A BPF object's BTF and `.BTF.ext` as libbpf parses them (`btf__parse(path, &btf_ext)`).
pub struct LibbpfCoreObject {
    btf: NonNull<sys::btf>,
    ext: NonNull<sys::btf_ext>,
}

impl std::fmt::Debug for LibbpfCoreObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibbpfCoreObject")
            .field("btf", &self.btf)
            .field("ext", &self.ext)
            .finish()
    }
}

impl Drop for LibbpfCoreObject {
    fn drop(&mut self) {
        // SAFETY: both came from `btf__parse`, are owned here and freed once.
        unsafe {
            sys::btf_ext__free(self.ext.as_ptr());
            sys::btf__free(self.btf.as_ptr());
        }
    }
}

impl LibbpfCoreObject {
    /// Parses the ELF object at `path`; `Err(ENOENT)` when it has no `.BTF.ext`.
    pub fn parse(path: &Path) -> Result<Self, i32> {
        let c_path = path_to_cstring(path)?;
        let mut ext: *mut sys::btf_ext = ptr::null_mut();
        set_errno(0);
        // SAFETY: a valid C string and a writable out-pointer; the shim returns both objects or
        // neither.
        let btf = unsafe { core_shim_parse(c_path.as_ptr(), &mut ext) };
        match (NonNull::new(btf), NonNull::new(ext)) {
            (Some(btf), Some(ext)) => Ok(LibbpfCoreObject { btf, ext }),
            _ => Err(errno()),
        }
    }

    fn run(&self, target: &LibbpfBtf, out: &mut [CoreShimOutcome]) -> Result<(usize, usize), i32> {
        let _guard = target.guard();
        let mut total = 0usize;
        // SAFETY: the object's BTF and .BTF.ext are live and owned by `self`; `target` is a live
        // libbpf BTF, locked against concurrent use, only read. `out` is writable for its length.
        let r = unsafe {
            core_shim_resolve_all(
                self.btf.as_ptr(),
                self.ext.as_ptr(),
                target.as_ptr(),
                if out.is_empty() {
                    ptr::null_mut()
                } else {
                    out.as_mut_ptr()
                },
                out.len(),
                &mut total,
            )
        };
        if r < 0 {
            return Err(i32::try_from(-r).unwrap_or(libc::EINVAL));
        }
        Ok((r as usize, total))
    }

    /// Resolves every record against `target`: how many resolved without error (the loop goes on
    /// past a failing record), or the errno of a failed candidate search.
    pub fn resolve_all(&self, target: &LibbpfBtf) -> Result<usize, i32> {
        self.run(target, &mut []).map(|(resolved, _)| resolved)
    }

    /// [`resolve_all`](Self::resolve_all) with each record's outcome, in `.BTF.ext` order.
    pub fn outcomes(&self, target: &LibbpfBtf) -> Result<(usize, Vec<CoreShimOutcome>), i32> {
        let (_, total) = self.run(target, &mut [])?;
        let mut out = vec![CoreShimOutcome::default(); total];
        let (resolved, n) = self.run(target, &mut out)?;
        out.truncate(n);
        Ok((resolved, out))
    }
}

//! Making and freeing BTF objects: `btf__new*`, `btf__parse*`, `btf__free`.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use btf_core::Btf;

use super::types::__u32;
use super::{EINVAL, c_path, ext, guard, handle_ref, handle_result, null_errno};
use crate::handle::btf;

pub use super::ext::btf_ext;

/// The shared core of `base`, or `None` for a null base.
///
/// # Safety
/// `base` is null or a live handle.
unsafe fn base_core(base: *const btf) -> Option<Arc<Btf>> {
    // SAFETY: forwarded to the caller.
    unsafe { handle_ref(base) }.map(btf::shared)
}

/// Frees a BTF object; NULL is ignored.
///
/// # Safety
/// `btf` is NULL or a handle from this library that is not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__free(btf: *mut btf) {
    if btf.is_null() || super::is_err_ptr(btf as usize) {
        return;
    }
    // SAFETY: a live handle made by `Box::into_raw`; the caller gives it up.
    let handle = unsafe { Box::from_raw(btf) };
    guard((), move || {
        if handle.fd >= 0 {
            super::kernel::close_fd(handle.fd);
        }
        drop(handle);
    });
}

/// Parses raw BTF from memory. Returns NULL with errno set on error.
///
/// # Safety
/// `data` points to `size` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__new(data: *const c_void, size: __u32) -> *mut btf {
    // SAFETY: caller contract.
    unsafe { btf__new_split(data, size, std::ptr::null_mut()) }
}

/// Parses raw split BTF from memory over `base_btf` (or standalone when it is NULL).
///
/// # Safety
/// `data` points to `size` readable bytes; `base_btf` is NULL or a live handle that outlives the
/// result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__new_split(
    data: *const c_void,
    size: __u32,
    base_btf: *mut btf,
) -> *mut btf {
    if data.is_null() {
        return null_errno(EINVAL);
    }
    // SAFETY: caller contract: `size` readable bytes at `data`.
    let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), size as usize) };
    // SAFETY: caller contract.
    let base = unsafe { base_core(base_btf) };
    guard(std::ptr::null_mut(), || {
        let parsed = match base {
            Some(b) => Btf::from_bytes_split(bytes, b),
            None => Btf::from_bytes(bytes),
        };
        handle_result(parsed.map(|core| btf::new(core, base_btf)))
    })
}

/// Creates an empty BTF object.
#[unsafe(no_mangle)]
pub extern "C" fn btf__new_empty() -> *mut btf {
    guard(std::ptr::null_mut(), || {
        Box::into_raw(btf::new(Btf::new_empty(), std::ptr::null()))
    })
}

/// Creates an empty split BTF object over `base_btf`.
///
/// # Safety
/// `base_btf` is NULL or a live handle that outlives the result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__new_empty_split(base_btf: *mut btf) -> *mut btf {
    // SAFETY: caller contract.
    let Some(base) = (unsafe { base_core(base_btf) }) else {
        return btf__new_empty();
    };
    guard(std::ptr::null_mut(), || {
        Box::into_raw(btf::new(Btf::new_empty_split(base), base_btf))
    })
}

/// Wraps a parsed core: a split over a distilled base it brought along owns that base.
fn wrap(core: Btf, base_btf: *const btf) -> Box<btf> {
    match (base_btf.is_null(), core.base()) {
        (true, Some(distilled)) => {
            let owned = btf::new_shared(Arc::clone(distilled), std::ptr::null());
            btf::with_owned_base(core, owned)
        }
        _ => btf::new(core, base_btf),
    }
}

/// Parses raw BTF, or the `.BTF` of an ELF file. If `btf_ext` is not NULL, `*btf_ext` gets the
/// file's `.BTF.ext` (free it with `btf_ext__free`), or NULL for raw BTF, an ELF file without one
/// and (as with libbpf 1.7.0, which still returns the BTF) a malformed one, whose error is then
/// printed and left in errno.
///
/// # Safety
/// `path` is a C string; `btf_ext` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__parse(path: *const c_char, btf_ext: *mut *mut btf_ext) -> *mut btf {
    // SAFETY: caller contract.
    unsafe { parse_with_ext(path, std::ptr::null_mut(), btf_ext, false) }
}

/// `btf__parse_split` (`elf_only`: `btf__parse_elf_split`) that also fills `*ext_out`, when it is
/// not NULL, with the file's `.BTF.ext` or NULL, as libbpf 1.7.0's `btf_parse_elf` does: the BTF
/// is parsed first, then the `.BTF.ext`. A malformed `.BTF.ext` does not fail the call there
/// (`btf_ext__new` returns NULL, which `btf_parse_elf` does not take for an error): its message is
/// printed, `*ext_out` stays NULL, the BTF is returned and `errno` keeps the `.BTF.ext` error.
///
/// # Safety
/// `path` is a C string; `base_btf` is NULL or a live handle that outlives the result; `ext_out`
/// is NULL or writable.
unsafe fn parse_with_ext(
    path: *const c_char,
    base_btf: *mut btf,
    ext_out: *mut *mut btf_ext,
    elf_only: bool,
) -> *mut btf {
    if ext_out.is_null() {
        // SAFETY: caller contract.
        return unsafe {
            if elf_only {
                btf__parse_elf_split(path, base_btf)
            } else {
                btf__parse_split(path, base_btf)
            }
        };
    }
    // SAFETY: caller contract: writable.
    unsafe { *ext_out = std::ptr::null_mut() };
    // SAFETY: caller contract.
    let Some(p) = (unsafe { c_path(path) }) else {
        return null_errno(EINVAL);
    };
    // SAFETY: caller contract.
    let base = unsafe { base_core(base_btf) };
    guard(std::ptr::null_mut(), || {
        let parsed = if elf_only {
            Btf::parse_elf_file(&p, base).map(|elf| {
                let ext = elf.parse_ext().transpose();
                (elf.btf, ext)
            })
        } else {
            Btf::parse_file_with_ext(&p, base)
        };
        let (core, found) = match parsed {
            Ok(parsed) => parsed,
            Err(e) => return handle_result(Err(e)),
        };
        let handle = Box::into_raw(wrap(core, base_btf));
        match found {
            Some(Ok(found)) => {
                // SAFETY: caller contract: writable.
                unsafe { *ext_out = ext::into_handle(found) };
            }
            Some(Err(e)) => ext::report(&e.context(p.display())),
            None => {}
        }
        handle
    })
}

/// Parses raw or ELF split BTF over `base_btf`.
///
/// # Safety
/// `path` is a C string; `base_btf` is NULL or a live handle that outlives the result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__parse_split(path: *const c_char, base_btf: *mut btf) -> *mut btf {
    // SAFETY: caller contract.
    let Some(p) = (unsafe { c_path(path) }) else {
        return null_errno(EINVAL);
    };
    // SAFETY: caller contract.
    let base = unsafe { base_core(base_btf) };
    guard(std::ptr::null_mut(), || {
        handle_result(Btf::parse_file(&p, base).map(|core| wrap(core, base_btf)))
    })
}

/// Parses the `.BTF` section of an ELF file (over its `.BTF.base` when present). If `btf_ext` is
/// not NULL, `*btf_ext` gets the file's `.BTF.ext` (free it with `btf_ext__free`), or NULL when
/// it has none and (as with libbpf 1.7.0, which still returns the BTF) when it is malformed,
/// whose error is then printed and left in errno.
///
/// # Safety
/// `path` is a C string; `btf_ext` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__parse_elf(
    path: *const c_char,
    btf_ext: *mut *mut btf_ext,
) -> *mut btf {
    // SAFETY: caller contract.
    unsafe { parse_with_ext(path, std::ptr::null_mut(), btf_ext, true) }
}

/// Parses the `.BTF` section of an ELF file as split BTF over `base_btf`.
///
/// # Safety
/// `path` is a C string; `base_btf` is NULL or a live handle that outlives the result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__parse_elf_split(path: *const c_char, base_btf: *mut btf) -> *mut btf {
    // SAFETY: caller contract.
    let Some(p) = (unsafe { c_path(path) }) else {
        return null_errno(EINVAL);
    };
    // SAFETY: caller contract.
    let base = unsafe { base_core(base_btf) };
    guard(std::ptr::null_mut(), || {
        handle_result(Btf::parse_elf_file(&p, base).map(|elf| wrap(elf.btf, base_btf)))
    })
}

/// Parses a raw BTF file.
///
/// # Safety
/// `path` is a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__parse_raw(path: *const c_char) -> *mut btf {
    // SAFETY: caller contract.
    unsafe { btf__parse_raw_split(path, std::ptr::null_mut()) }
}

/// Parses a raw split BTF file over `base_btf`.
///
/// # Safety
/// `path` is a C string; `base_btf` is NULL or a live handle that outlives the result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__parse_raw_split(path: *const c_char, base_btf: *mut btf) -> *mut btf {
    // SAFETY: caller contract.
    let Some(p) = (unsafe { c_path(path) }) else {
        return null_errno(EINVAL);
    };
    // SAFETY: caller contract.
    let base = unsafe { base_core(base_btf) };
    guard(std::ptr::null_mut(), || {
        handle_result(Btf::parse_raw_file(&p, base).map(|core| btf::new(core, base_btf)))
    })
}

/// Options of `btf__parse_opts` (`struct btf_parse_opts`), as proposed for libbpf 1.5.0 and never
/// merged there (libbtf's own extension).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct btf_parse_opts {
    /// `sizeof(struct btf_parse_opts)`, set by the caller (`LIBBPF_OPTS` does it).
    pub sz: usize,
    /// The base to parse split BTF over, or NULL; must outlive the result.
    pub base_btf: *mut btf,
    /// If not NULL, `*btf_ext` gets the ELF file's `.BTF.ext` (as `btf__parse` and
    /// `btf__parse_elf` fill it) when `btf_sec` is NULL or `.BTF`, else NULL.
    pub btf_ext: *mut *mut btf_ext,
    /// NULL: raw BTF, or the `.BTF` of an ELF file (over its `.BTF.base` when present), as
    /// `btf__parse_split`. Else the ELF section of that name: `.BTF` as `btf__parse_elf_split`,
    /// any other (e.g. `.BTF.base`) read alone, with no `.BTF.base` handling.
    pub btf_sec: *const c_char,
}

/// End of `btf_parse_opts.btf_sec`, the last known field (libbpf's `offsetofend`).
const PARSE_OPTS_KNOWN_LEN: usize =
    std::mem::offset_of!(btf_parse_opts, btf_sec) + std::mem::size_of::<usize>();

/// Parses BTF from `path` as `opts` says (NULL opts: as `btf__parse`). A libbtf extension: the
/// `btf__parse_opts` proposed for libbpf 1.5.0. `opts` follows libbpf's `OPTS_VALID` rules (a
/// larger struct only with zeros past `btf_sec`): else NULL with errno EINVAL. Returns NULL with
/// errno set on error (ENODATA when the ELF has no section `btf_sec`).
///
/// # Safety
/// `path` is a C string; `opts` is NULL or readable for `opts->sz` bytes, its `base_btf` NULL or a
/// live handle that outlives the result, its `btf_ext` NULL or writable, its `btf_sec` NULL or a C
/// string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__parse_opts(
    path: *const c_char,
    opts: *mut btf_parse_opts,
) -> *mut btf {
    // SAFETY: `opts` is NULL or readable for its `sz` (caller contract).
    let opts = match unsafe { super::opts::valid(opts.cast_const(), PARSE_OPTS_KNOWN_LEN) } {
        Ok(opts) => opts,
        Err(errno) => return null_errno(errno),
    };
    // A field is read only when the caller's `sz` covers it (libbpf's OPTS_GET).
    let covers = |end: usize| opts.is_some_and(|o| o.sz >= end);
    let field_end = |offset: usize| offset + std::mem::size_of::<usize>();
    let base_btf = if covers(field_end(std::mem::offset_of!(btf_parse_opts, base_btf))) {
        opts.map_or(std::ptr::null_mut(), |o| o.base_btf)
    } else {
        std::ptr::null_mut()
    };
    let ext_out = if covers(field_end(std::mem::offset_of!(btf_parse_opts, btf_ext))) {
        opts.map_or(std::ptr::null_mut(), |o| o.btf_ext)
    } else {
        std::ptr::null_mut()
    };
    let sec = if covers(PARSE_OPTS_KNOWN_LEN) {
        opts.map_or(std::ptr::null(), |o| o.btf_sec)
    } else {
        std::ptr::null()
    };
    // SAFETY: caller contract.
    let Some(sec) = (unsafe { super::c_bytes(sec) }) else {
        // SAFETY: caller contract.
        return unsafe { parse_with_ext(path, base_btf, ext_out, false) };
    };
    if sec == btf_core::elf::BTF_SECTION.as_bytes() {
        // SAFETY: caller contract.
        return unsafe { parse_with_ext(path, base_btf, ext_out, true) };
    }
    if !ext_out.is_null() {
        // SAFETY: caller contract: writable.
        unsafe { *ext_out = std::ptr::null_mut() };
    }
    let Ok(sec) = std::str::from_utf8(sec) else {
        return null_errno(EINVAL);
    };
    // SAFETY: caller contract.
    let Some(p) = (unsafe { c_path(path) }) else {
        return null_errno(EINVAL);
    };
    // SAFETY: caller contract.
    let base = unsafe { base_core(base_btf) };
    guard(std::ptr::null_mut(), || {
        handle_result(
            Btf::parse_elf_section_file(&p, sec, base).map(|core| btf::new(core, base_btf)),
        )
    })
}

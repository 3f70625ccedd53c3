//! `.BTF.ext` objects: `btf_ext__new`, `btf_ext__free`, `btf_ext__raw_data` (and its legacy name
//! `btf_ext__get_raw_data`), `btf_ext__endianness`, `btf_ext__set_endianness`; and the
//! `struct btf_ext` that `btf__parse`, `btf__parse_elf` and `btf__parse_opts` hand out.

use std::ffi::{c_int, c_void};

use btf_core::{BtfExt, Endianness, Error};

use super::types::{__u8, __u32, btf_endianness};
use super::{EINVAL, fail_errno, guard, null_errno, print, set_errno};

/// The opaque `struct btf_ext` of libbpf's API: one parsed `.BTF.ext` (btf-core's `BtfExt`), whose raw
/// bytes in the foreign byte order are made on first request and kept, as libbpf keeps them.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct btf_ext {
    core: BtfExt,
}

/// A new handle for `core`, owned by the caller (freed with `btf_ext__free`).
pub(crate) fn into_handle(core: BtfExt) -> *mut btf_ext {
    Box::into_raw(Box::new(btf_ext { core }))
}

/// The `BtfExt` behind a handle, for functions that rewrite it (`btf__dedup`, `btf__permute`);
/// `None` for NULL.
///
/// # Safety
/// `btf_ext` is NULL or a live handle from this library, not aliased elsewhere for `'a`.
pub(crate) unsafe fn core_mut<'a>(btf_ext: *mut btf_ext) -> Option<&'a mut BtfExt> {
    // SAFETY: caller contract.
    unsafe { btf_ext.as_mut() }.map(|h| &mut h.core)
}

/// Reports a failed `.BTF.ext` parse as libbpf does (its message at libbpf's level, `errno`).
pub(crate) fn report(err: &Error) {
    print::as_libbpf(err.libbpf_log(), err.message());
    set_errno(err.errno());
}

/// Parses `.BTF.ext` bytes (the ELF section of a BPF object) in either byte order, with libbpf
/// 1.7.0's checks. Returns NULL with errno set on error: EINVAL for a malformed header or info
/// sub-section, ENOTSUP for an unknown version or flags.
///
/// # Safety
/// `data` points to `size` readable bytes (it may be NULL only when `size` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf_ext__new(data: *const __u8, size: __u32) -> *mut btf_ext {
    let bytes: &[u8] = if data.is_null() {
        if size != 0 {
            return null_errno(EINVAL);
        }
        &[]
    } else {
        // SAFETY: caller contract: `size` readable bytes at `data`.
        unsafe { std::slice::from_raw_parts(data, size as usize) }
    };
    guard(std::ptr::null_mut(), || match BtfExt::parse(bytes) {
        Ok(core) => into_handle(core),
        Err(e) => {
            report(&e);
            std::ptr::null_mut()
        }
    })
}

/// Frees a `.BTF.ext` object; NULL (and an error pointer) is ignored.
///
/// # Safety
/// `btf_ext` is NULL or a handle from this library that is not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf_ext__free(btf_ext: *mut btf_ext) {
    if btf_ext.is_null() || super::is_err_ptr(btf_ext as usize) {
        return;
    }
    // SAFETY: a live handle made by `Box::into_raw`; the caller gives it up.
    let handle = unsafe { Box::from_raw(btf_ext) };
    guard((), move || drop(handle));
}

/// The whole `.BTF.ext` in the object's byte order (the input's, unless changed with
/// `btf_ext__set_endianness`); `*size` gets its length. Valid until the byte order is set back to
/// this machine's or the object is freed. NULL with errno EINVAL for a NULL object.
///
/// # Safety
/// `btf_ext` is NULL or a live handle; `size` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf_ext__raw_data(
    btf_ext: *const btf_ext,
    size: *mut __u32,
) -> *const c_void {
    // SAFETY: caller contract.
    let Some(ext) = (unsafe { btf_ext.as_ref() }) else {
        return null_errno(EINVAL);
    };
    let Some(raw) = guard(None, || Some(ext.core.raw_data())) else {
        return std::ptr::null();
    };
    if !size.is_null() {
        // The input was at most `u32::MAX` bytes long, and so is its copy.
        // SAFETY: caller contract: writable.
        unsafe { *size = raw.len() as __u32 };
    }
    raw.as_ptr().cast()
}

/// Legacy name of `btf_ext__raw_data`.
///
/// # Safety
/// As for `btf_ext__raw_data`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf_ext__get_raw_data(
    btf_ext: *const btf_ext,
    size: *mut __u32,
) -> *const c_void {
    // SAFETY: caller contract.
    unsafe { btf_ext__raw_data(btf_ext, size) }
}

/// Byte order `btf_ext__raw_data` writes: the input's until changed. For a NULL object, this
/// machine's order, with errno EINVAL.
///
/// # Safety
/// `btf_ext` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf_ext__endianness(btf_ext: *const btf_ext) -> btf_endianness {
    // SAFETY: caller contract.
    let Some(ext) = (unsafe { btf_ext.as_ref() }) else {
        set_errno(EINVAL);
        return Endianness::native() as btf_endianness;
    };
    ext.core.endianness() as btf_endianness
}

/// Sets the byte order `btf_ext__raw_data` writes: 0 little, 1 big, else -EINVAL.
///
/// # Safety
/// `btf_ext` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf_ext__set_endianness(
    btf_ext: *mut btf_ext,
    endian: btf_endianness,
) -> c_int {
    let endianness = match endian {
        0 => Endianness::Little,
        1 => Endianness::Big,
        _ => return fail_errno(EINVAL),
    };
    // SAFETY: caller contract.
    let Some(ext) = (unsafe { btf_ext.as_mut() }) else {
        return fail_errno(EINVAL);
    };
    guard(-libc::EFAULT, || {
        ext.core.set_endianness(endianness);
        0
    })
}

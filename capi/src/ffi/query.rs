//! Reading BTF objects: types, strings, lookups, sizes, pointer size, byte order, raw bytes, fds,
//! and libbpf's error helpers (`libbpf_get_error`, `libbpf_strerror`, `libbpf_set_strict_mode`).

use std::ffi::{c_char, c_int, c_long, c_void};

use btf_core::Endianness;

use super::types::{__s32, __s64, __u32, btf_endianness, libbpf_strict_mode};
use super::{
    EINVAL, c_bytes, fail, fail_errno, guard, handle_mut, handle_ref, int_result, null_errno,
    set_errno,
};
use crate::handle::btf;
use crate::messages;

/// `struct btf_type` (the header of every type record), as `<linux/btf.h>` defines it.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct btf_type {
    pub name_off: u32,
    pub info: u32,
    pub size_or_type: u32,
}

/// Number of type ids: void, base types and own types.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__type_cnt(btf: *const btf) -> __u32 {
    // SAFETY: caller contract.
    match unsafe { handle_ref(btf) } {
        Some(b) => b.core().type_cnt(),
        None => {
            set_errno(EINVAL);
            0
        }
    }
}

/// The base BTF a split BTF is built over, or NULL.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__base_btf(btf: *const btf) -> *const btf {
    // SAFETY: caller contract.
    unsafe { handle_ref(btf) }.map_or(std::ptr::null(), btf::base)
}

/// The record of type `id` (id 0 is void), or NULL with errno EINVAL when out of range. The
/// pointer stays valid until the object is modified or freed.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__type_by_id(btf: *const btf, id: __u32) -> *const btf_type {
    // SAFETY: caller contract.
    let Some(b) = (unsafe { handle_ref(btf) }) else {
        return null_errno(EINVAL);
    };
    match b.core().type_by_id(id) {
        Some(t) => t.words().as_ptr().cast(),
        None => null_errno(EINVAL),
    }
}

/// The string at logical offset `offset`, or NULL with errno EINVAL when out of range.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__str_by_offset(btf: *const btf, offset: __u32) -> *const c_char {
    // SAFETY: caller contract.
    let Some(b) = (unsafe { handle_ref(btf) }) else {
        return null_errno(EINVAL);
    };
    // As libbpf: a bounds check and a pointer into the string section of the object that holds
    // `offset`, without measuring the string (callers such as pahole ask for every name). A
    // string section ends with NUL (the parser and the writer keep it so; checked here in O(1)),
    // so the C string is terminated.
    let mut home = b.core();
    while offset < home.start_str_off() {
        let Some(base) = home.base() else {
            return null_errno(EINVAL);
        };
        home = base;
    }
    let strings = home.strings_section();
    match strings.get((offset - home.start_str_off()) as usize..) {
        Some(tail) if !tail.is_empty() && strings.last() == Some(&0) => tail.as_ptr().cast(),
        _ => null_errno(EINVAL),
    }
}

/// Same as `btf__str_by_offset`.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__name_by_offset(btf: *const btf, offset: __u32) -> *const c_char {
    // SAFETY: caller contract.
    unsafe { btf__str_by_offset(btf, offset) }
}

/// Shared body of the find functions: `kind` as libbpf's `__s32` (negative: any kind).
///
/// # Safety
/// `btf` is NULL or a live handle; `name` is NULL or a C string.
unsafe fn find(btf: *const btf, name: *const c_char, kind: Option<u32>) -> i32 {
    // SAFETY: caller contract.
    let (Some(b), Some(name)) = (unsafe { handle_ref(btf) }, unsafe { c_bytes(name) }) else {
        return fail_errno(EINVAL);
    };
    guard(-libc::EFAULT, || {
        let found = match kind {
            Some(k) => b.core().find_by_name_kind(name, k),
            None => b.core().find_by_name(name),
        };
        found.map_or_else(|| fail_errno(libc::ENOENT), |id| id as i32)
    })
}

/// Id of the first type named `type_name` (base first), or -ENOENT.
///
/// # Safety
/// `btf` is NULL or a live handle; `type_name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__find_by_name(btf: *const btf, type_name: *const c_char) -> __s32 {
    // SAFETY: caller contract.
    unsafe { find(btf, type_name, None) }
}

/// Id of the first type named `type_name` of kind `kind` (base first), or -ENOENT.
///
/// # Safety
/// `btf` is NULL or a live handle; `type_name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__find_by_name_kind(
    btf: *const btf,
    type_name: *const c_char,
    kind: __u32,
) -> __s32 {
    // SAFETY: caller contract.
    unsafe { find(btf, type_name, Some(kind)) }
}

/// Size in bytes of type `type_id`, or a negative errno.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__resolve_size(btf: *const btf, type_id: __u32) -> __s64 {
    // SAFETY: caller contract.
    let Some(b) = (unsafe { handle_ref(btf) }) else {
        return i64::from(fail_errno(EINVAL));
    };
    guard(-i64::from(libc::EFAULT), || {
        match b.core().resolve_size(type_id) {
            Ok(size) => size as i64,
            Err(e) => i64::from(fail(&e)),
        }
    })
}

/// The id `type_id` resolves to through modifiers, typedefs and VAR, or a negative errno.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__resolve_type(btf: *const btf, type_id: __u32) -> c_int {
    // SAFETY: caller contract.
    let Some(b) = (unsafe { handle_ref(btf) }) else {
        return fail_errno(EINVAL);
    };
    guard(-libc::EFAULT, || {
        int_result(b.core().resolve_type(type_id).map(|id| id as c_int))
    })
}

/// Alignment of type `id`; 0 with errno EINVAL for kinds without one (as libbpf).
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__align_of(btf: *const btf, id: __u32) -> c_int {
    // SAFETY: caller contract.
    let Some(b) = (unsafe { handle_ref(btf) }) else {
        set_errno(EINVAL);
        return 0;
    };
    guard(0, || match b.core().align_of(id) {
        Ok(align) => align as c_int,
        Err(e) => {
            super::print::warn(e.message());
            set_errno(e.errno());
            0
        }
    })
}

/// Pointer size in bytes, or 0 when it cannot be told.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__pointer_size(btf: *const btf) -> usize {
    // SAFETY: caller contract.
    unsafe { handle_ref(btf) }
        .and_then(|b| b.core().pointer_size())
        .map_or(0, |s| s as usize)
}

/// Sets the pointer size: 4 or 8, else -EINVAL.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__set_pointer_size(btf: *mut btf, ptr_sz: usize) -> c_int {
    // SAFETY: caller contract.
    let Some(b) = (unsafe { handle_mut(btf) }) else {
        return fail_errno(EINVAL);
    };
    let Ok(size) = u32::try_from(ptr_sz) else {
        return fail_errno(EINVAL);
    };
    guard(-libc::EFAULT, || {
        int_result(b.core().set_pointer_size(size).map(|()| 0))
    })
}

/// Byte order of the object's raw data.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__endianness(btf: *const btf) -> btf_endianness {
    // SAFETY: caller contract.
    let Some(b) = (unsafe { handle_ref(btf) }) else {
        set_errno(EINVAL);
        return Endianness::native() as btf_endianness;
    };
    b.core().endianness() as btf_endianness
}

/// Sets the byte order `btf__raw_data` writes: 0 little, 1 big, else -EINVAL.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__set_endianness(btf: *mut btf, endian: btf_endianness) -> c_int {
    // SAFETY: caller contract.
    let Some(b) = (unsafe { handle_mut(btf) }) else {
        return fail_errno(EINVAL);
    };
    let endianness = match endian {
        0 => Endianness::Little,
        1 => Endianness::Big,
        _ => return fail_errno(EINVAL),
    };
    // Only the output order changes: not a modification in libbpf (see `btf::set_endianness`).
    guard(-libc::EFAULT, || {
        b.set_endianness(endianness);
        0
    })
}

/// The raw BTF bytes in the object's byte order; `*size` gets their length. Valid until the
/// object is modified or freed.
///
/// # Safety
/// `btf` is NULL or a live handle; `size` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__raw_data(btf: *const btf, size: *mut __u32) -> *const c_void {
    // SAFETY: caller contract.
    let Some(b) = (unsafe { handle_ref(btf) }) else {
        return null_errno(EINVAL);
    };
    let (ptr, len) = match guard(None, || Some(b.raw_data())) {
        Some(raw) => raw,
        None => return std::ptr::null(),
    };
    if !size.is_null() {
        // SAFETY: caller contract: writable.
        unsafe { *size = len as u32 };
    }
    ptr.cast()
}

/// Legacy name of `btf__raw_data`.
///
/// # Safety
/// As for `btf__raw_data`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__get_raw_data(btf: *const btf, size: *mut __u32) -> *const c_void {
    // SAFETY: caller contract.
    unsafe { btf__raw_data(btf, size) }
}

/// The kernel fd of a loaded object, or -1.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__fd(btf: *const btf) -> c_int {
    // SAFETY: caller contract.
    unsafe { handle_ref(btf) }.map_or(-1, |b| b.fd)
}

/// Sets the kernel fd of the object.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__set_fd(btf: *mut btf, fd: c_int) {
    // SAFETY: caller contract.
    if let Some(b) = unsafe { handle_mut(btf) } {
        b.fd = fd;
    }
}

/// 0 for a valid pointer; for NULL (or an error-encoded pointer) the negative errno.
///
/// # Safety
/// Any pointer value may be passed; it is not dereferenced.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn libbpf_get_error(ptr: *const c_void) -> c_long {
    let value = ptr as usize;
    let is_err = super::is_err_ptr(value);
    if !ptr.is_null() && !is_err {
        return 0;
    }
    if is_err {
        set_errno(-(value as isize) as c_int);
    }
    // SAFETY: `__errno_location` is always valid for the calling thread.
    -c_long::from(unsafe { *libc::__errno_location() })
}

/// Writes a description of error `err` (either sign) into `buf`, always NUL-terminated.
///
/// Returns what libbpf returns: for an errno value, the XSI `strerror_r` result passed on as is
/// (0, or a *positive* `EINVAL` for a number the C library does not know or `ERANGE` when `buf`
/// is too small; `errno` untouched); for libbpf's own numbers (4000..=4013) 0, or -ERANGE when
/// truncated; for anything else a message and -ENOENT (-ERANGE when truncated). Negative results
/// also set `errno`; NULL `buf` or zero `size` is -EINVAL.
///
/// # Safety
/// `buf` is NULL or has `size` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn libbpf_strerror(err: c_int, buf: *mut c_char, size: usize) -> c_int {
    if buf.is_null() || size == 0 {
        return fail_errno(EINVAL);
    }
    let err = err.checked_abs().unwrap_or(c_int::MAX);
    if err < messages::LIBBPF_ERRNO_START {
        // SAFETY: `buf` has `size` writable bytes (caller contract). The libc crate binds the XSI
        // `__xpg_strerror_r`, as libbpf (built without _GNU_SOURCE there) calls it.
        let ret = unsafe { libc::strerror_r(err, buf, size) };
        // SAFETY: as above; `size >= 1`.
        unsafe { *buf.add(size - 1) = 0 };
        return ret;
    }
    let (text, not_found) = match messages::libbpf_error_text(err) {
        Some(t) => (t.to_string(), false),
        None => (format!("unknown libbpf error {err}"), true),
    };
    let n = text.len().min(size - 1);
    // SAFETY: `n + 1 <= size` bytes written into `buf`.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
        *buf.add(n) = 0;
    }
    if n < text.len() {
        fail_errno(libc::ERANGE)
    } else if not_found {
        fail_errno(libc::ENOENT)
    } else {
        0
    }
}

/// Kept for source compatibility; libbpf 1.x behaviour is always in force. Returns 0.
#[unsafe(no_mangle)]
pub extern "C" fn libbpf_set_strict_mode(mode: libbpf_strict_mode) -> c_int {
    let _ = mode;
    0
}

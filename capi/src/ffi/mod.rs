//! The C boundary: every `extern "C"` entry point, and the only place raw pointers, `errno`, the
//! bpf syscall and the user's print callback are touched. Each entry point checks its pointers,
//! catches panics, and reports errors the way libbpf does.

#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use btf_core::Error;

use crate::handle::btf;

pub mod check;
pub mod construct;
pub mod distill;
pub mod dump;
pub mod ext;
pub mod kernel;
mod opts;
pub mod print;
pub mod query;
pub mod types;
pub mod write;

pub(crate) const EINVAL: c_int = libc::EINVAL;

/// Whether a pointer value encodes an error the kernel way (`IS_ERR`: the top 4095 addresses).
pub(crate) fn is_err_ptr(value: usize) -> bool {
    value >= 4095usize.wrapping_neg()
}

/// Sets the calling thread's `errno`.
pub(crate) fn set_errno(value: c_int) {
    // SAFETY: `__errno_location` returns a valid pointer to the calling thread's errno.
    unsafe { *libc::__errno_location() = value };
}

/// Reports `err` as libbpf's int functions do: a message at libbpf's level for the same event,
/// `errno`, negative errno returned.
pub(crate) fn fail(err: &Error) -> c_int {
    print::as_libbpf(err.libbpf_log(), err.message());
    set_errno(err.errno());
    -err.errno()
}

/// `-errno` with `errno` set, for failures found at the boundary itself.
pub(crate) fn fail_errno(errno: c_int) -> c_int {
    set_errno(errno);
    -errno
}

/// Runs `f`, turning a panic into `on_panic` with `errno = EFAULT`: no unwinding crosses into C.
pub(crate) fn guard<R>(on_panic: R, f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        set_errno(libc::EFAULT);
        on_panic
    })
}

/// An int result: `Ok(v)` as `v`, errors as libbpf reports them.
pub(crate) fn int_result(r: Result<c_int, Error>) -> c_int {
    r.unwrap_or_else(|e| fail(&e))
}

/// A constructor result: the handle, or NULL with `errno` set and the error reported at the level
/// libbpf uses for the same event (nothing for a missing file, debug for a malformed header,
/// a warning for a malformed type or ELF file).
pub(crate) fn handle_result(r: Result<Box<btf>, Error>) -> *mut btf {
    match r {
        Ok(handle) => Box::into_raw(handle),
        Err(e) => {
            print::as_libbpf(e.libbpf_log(), e.message());
            set_errno(e.errno());
            std::ptr::null_mut()
        }
    }
}

/// NULL with `errno` set.
pub(crate) fn null_errno<T>(errno: c_int) -> *mut T {
    set_errno(errno);
    std::ptr::null_mut()
}

/// # Safety
/// `p` is null or a live handle from this library, not mutably aliased for `'a`.
pub(crate) unsafe fn handle_ref<'a>(p: *const btf) -> Option<&'a btf> {
    // SAFETY: forwarded to the caller.
    unsafe { p.as_ref() }
}

/// # Safety
/// `p` is null or a live handle from this library, not aliased for `'a`.
pub(crate) unsafe fn handle_mut<'a>(p: *mut btf) -> Option<&'a mut btf> {
    // SAFETY: forwarded to the caller.
    unsafe { p.as_mut() }
}

/// A C string's bytes; `None` for NULL.
///
/// # Safety
/// `p` is null or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn c_bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: forwarded to the caller.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// A path argument.
///
/// # Safety
/// As for [`c_bytes`].
pub(crate) unsafe fn c_path(p: *const c_char) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: forwarded to the caller.
    unsafe { c_bytes(p) }.map(|b| PathBuf::from(std::ffi::OsStr::from_bytes(b)))
}

//! libbpf's options-struct convention (`OPTS_VALID`): `sz` first; an older, smaller struct is
//! accepted; a newer, larger one only if every byte past the fields we know is zero.

use std::ffi::c_int;

/// Checks `opts` (NULL allowed) whose known fields end at `known_len`; returns it as a reference.
///
/// # Safety
/// `opts` is NULL or points to at least `max(opts->sz, size_of::<usize>())` readable bytes, and
/// when `opts->sz >= size_of::<T>()` to a whole `T`.
pub(crate) unsafe fn valid<'a, T>(
    opts: *const T,
    known_len: usize,
) -> Result<Option<&'a T>, c_int> {
    if opts.is_null() {
        return Ok(None);
    }
    // SAFETY: every opts struct starts with `size_t sz` (caller contract).
    let sz = unsafe { *opts.cast::<usize>() };
    if sz < std::mem::size_of::<usize>() {
        super::print::warn(&format!("options struct size {sz} is too small"));
        return Err(libc::EINVAL);
    }
    if sz > known_len {
        // SAFETY: `sz` readable bytes (caller contract).
        let tail =
            unsafe { std::slice::from_raw_parts(opts.cast::<u8>().add(known_len), sz - known_len) };
        if tail.iter().any(|&b| b != 0) {
            super::print::warn(
                "options struct has non-zero bytes past the fields this library knows",
            );
            return Err(libc::EINVAL);
        }
    }
    // A struct smaller than `T` is read only through fields its `sz` covers (callers check `sz`).
    // SAFETY: caller contract.
    Ok(Some(unsafe { &*opts }))
}

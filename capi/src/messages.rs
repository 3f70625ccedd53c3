//! Texts for `libbpf_strerror`: libbpf's own error numbers (4000 and up) in our words, and the C
//! library's texts for ordinary errno values.

/// libbpf's `__LIBBPF_ERRNO__START`.
pub(crate) const LIBBPF_ERRNO_START: i32 = 4000;

/// Descriptions of libbpf's error numbers 4000..=4012, in order.
const LIBBPF_ERRORS: [&str; 13] = [
    "libelf could not be initialised or failed",
    "not a valid BPF/BTF object file",
    "kernel version section is missing or malformed",
    "the object's endianness does not match this machine",
    "internal error in the object loader",
    "relocation of the object failed",
    "the object does not fit the kernel (loading failed)",
    "a BPF program is too large",
    "kernel version does not match the object",
    "a BPF program is of the wrong type",
    "the kernel rejected a BPF program (verifier)",
    "invalid netlink message",
    "netlink request failed",
];

/// The description of libbpf error `err` (positive), if it is one of libbpf's own.
pub(crate) fn libbpf_error_text(err: i32) -> Option<&'static str> {
    let idx = usize::try_from(err.checked_sub(LIBBPF_ERRNO_START)?).ok()?;
    LIBBPF_ERRORS.get(idx).copied()
}

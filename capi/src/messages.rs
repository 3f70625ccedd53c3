//! Texts for `libbpf_strerror`: libbpf's own error numbers (4000 and up) in our words, and the C
//! library's texts for ordinary errno values.

/// libbpf's `__LIBBPF_ERRNO__START`.
pub(crate) const LIBBPF_ERRNO_START: i32 = 4000;

/// Descriptions of libbpf's error numbers 4000..=4013 (`LIBBPF_ERRNO__LIBELF` ..
/// `LIBBPF_ERRNO__NLPARSE`), in order.
const LIBBPF_ERRORS: [&str; 14] = [
    "libelf could not be initialised or failed",
    "not a valid BPF/BTF object file",
    "kernel version section is missing or malformed",
    "the object's endianness does not match this machine",
    "internal error in the object loader",
    "relocation of the object failed",
    "loading a BPF program failed for an unknown reason",
    "the kernel verifier rejected a BPF program",
    "a BPF program is too large",
    "kernel version does not match the object",
    "the kernel does not support this BPF program type",
    "netlink message from an unexpected process",
    "netlink message out of sequence",
    "netlink message could not be parsed",
];

/// The description of libbpf error `err` (positive), if it is one of libbpf's own.
pub(crate) fn libbpf_error_text(err: i32) -> Option<&'static str> {
    let idx = usize::try_from(err.checked_sub(LIBBPF_ERRNO_START)?).ok()?;
    LIBBPF_ERRORS.get(idx).copied()
}
